import t from 'tap'
import { IndexedHeap, type HeapEntry } from '../../../src/predict/cache/heap.js'
import { RecencyList } from '../../../src/predict/cache/recency.js'
import { BASE_SEED, prng } from './helpers.js'

t.test('RecencyList matches a plain array model under random operations (seeded)', async t => {
  for (let k = 0; k < 20; k++) {
    const seed = BASE_SEED + 3000 + k
    const next = prng(seed)
    const list = new RecencyList<number>()
    let model: Array<[string, number]> = []
    for (let step = 0; step < 2000; step++) {
      const key = `k${Math.floor(next() * 30)}`
      const op = next()
      if (op < 0.5) {
        list.touch(key, step)
        model = [...model.filter(([m]) => m !== key), [key, step]]
      } else if (op < 0.8) {
        const had = model.find(([m]) => m === key)?.[1]
        if (list.delete(key) !== had) return t.fail(`seed ${seed}: delete(${key}) at step ${step}`)
        model = model.filter(([m]) => m !== key)
      } else {
        const skip = new Set(model.slice(0, 2).map(([m]) => m))
        if (list.oldestNot(skip) !== model.find(([m]) => !skip.has(m))?.[0]) return t.fail(`seed ${seed}: oldestNot at step ${step}`)
      }
      if (list.size !== model.length || list.oldest() !== model[0]?.[0]) {
        t.fail(`seed ${seed} (CACHE_TEST_SEED=${seed - 3000}): differs at step ${step}`)
        return
      }
    }
    t.same([...list.entries()], model, `seed ${seed}: same order at the end`)
  }
})

interface Item extends HeapEntry { key: number, id: number }

t.test('IndexedHeap keeps heap order through push, remove, update and firstNot (seeded)', async t => {
  for (let k = 0; k < 20; k++) {
    const seed = BASE_SEED + 4000 + k
    const next = prng(seed)
    const heap = new IndexedHeap<Item>((a, b) => a.key < b.key || (a.key === b.key && a.id < b.id))
    const live: Item[] = []
    const best = (): Item | undefined => [...live].sort((a, b) => a.key - b.key || a.id - b.id)[0]
    for (let step = 0; step < 1500; step++) {
      const op = next()
      if (op < 0.4 || live.length === 0) {
        const item = { pos: 0, key: Math.floor(next() * 50), id: step }
        heap.push(item)
        live.push(item)
      } else if (op < 0.6) {
        const item = live.splice(Math.floor(next() * live.length), 1)[0] as Item
        heap.remove(item)
      } else if (op < 0.8) {
        const item = live[Math.floor(next() * live.length)] as Item
        item.key = Math.floor(next() * 50)
        heap.update(item)
      } else {
        const skip = new Set(live.filter(() => next() < 0.3))
        const expected = [...live].filter(i => !skip.has(i)).sort((a, b) => a.key - b.key || a.id - b.id)[0]
        if (heap.firstNot(i => skip.has(i)) !== expected) return t.fail(`seed ${seed} (CACHE_TEST_SEED=${seed - 4000}): firstNot at step ${step}`)
      }
      if (heap.size !== live.length || heap.peek() !== best()) {
        t.fail(`seed ${seed} (CACHE_TEST_SEED=${seed - 4000}): differs at step ${step}`)
        return
      }
    }
  }
  t.pass('20 seeds x 1500 steps')
})
