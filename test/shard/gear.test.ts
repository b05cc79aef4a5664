import t from 'tap'
import { createHash } from 'node:crypto'
import { GEAR, gearMasks, JsGearScanner, WasmGearScanner, createGearScanner } from '../../src/shard/gear.js'
import { SCAN_WINDOW_BYTES } from '../../src/shard/constants.js'
import { prng, randomBytes } from './util.js'

t.test('the gear table is the one fastcdc-v1 was defined with', async t => {
  t.equal(GEAR.length, 256)
  t.equal(new Set(GEAR).size, 256, 'no repeated entries')
  const le = Buffer.alloc(1024)
  GEAR.forEach((v, i) => le.writeUInt32LE(v, i * 4))
  // Changing the table moves every boundary: that is a new chunker name, not an edit.
  t.equal(createHash('sha256').update(le).digest('hex'), '179a17598eb8f8ca8c747f63b2ec4a5b3d6961bf5d78efbab0295a6d08ea151b')
})

t.test('masks: top bits, two more before the average and two fewer after', async t => {
  const { hard, easy } = gearMasks(1024 * 1024)
  t.equal(hard >>> 0, 0xfffffc00, '22 top bits')
  t.equal(easy >>> 0, 0xffffc000, '18 top bits')
  const small = gearMasks(64)
  t.equal(small.hard >>> 0, 0xff000000)
  t.equal(small.easy >>> 0, 0xf0000000)
})

t.test('the WebAssembly scanner finds exactly what the JavaScript one finds', async t => {
  const scanner = createGearScanner()
  t.ok(scanner instanceof WasmGearScanner, 'WebAssembly is used where it runs')
  const next = prng(7)
  const bytes = randomBytes(3 * SCAN_WINDOW_BYTES + 13, 8)
  const js = new JsGearScanner()
  for (let round = 0; round < 300; round++) {
    const bits = 4 + next() % 21 // up to 24 bits: some scans cross windows
    const mask = ~(-1 >>> bits)
    const from = next() % 1000
    const to = from + next() % (bytes.byteLength - from + 1)
    if (round % 3 === 0) {
      scanner.reset()
      js.reset()
    }
    // Two calls in a row: the hash state carries over.
    const mid = from + Math.floor((to - from) / 2)
    for (const [a, b] of [[from, mid], [mid, to]] as const) {
      const want = js.scan(bytes, a, b, mask)
      const got = scanner.scan(bytes, a, b, mask)
      if (got !== want) {
        t.fail(`round ${round}: scan(${a}, ${b}, ${bits} bits) = ${got}, want ${want}`)
        return
      }
    }
  }
  t.pass('300 rounds agree')
})

t.test('a boundary after the last byte of a window and no boundary at all', async t => {
  const scanner = createGearScanner()
  const bytes = randomBytes(2 * SCAN_WINDOW_BYTES + 5, 9)
  const js = new JsGearScanner()
  js.reset()
  // Find the first boundary for a 6-bit mask, then scan exactly up to it.
  const mask = ~(-1 >>> 6)
  const first = js.scan(bytes, 0, bytes.byteLength, mask)
  t.ok(first > 0)
  scanner.reset()
  t.equal(scanner.scan(bytes, 0, first, mask), first, 'found on the last byte of the range')
  scanner.reset()
  t.equal(scanner.scan(bytes, 0, first - 1, mask), -1, 'not found one byte short')
  scanner.reset()
  t.equal(scanner.scan(bytes, 0, bytes.byteLength, -1), -1, 'an all-bits mask almost never matches')
  t.equal(scanner.scan(bytes, 5, 5, mask), -1, 'an empty range')
})
