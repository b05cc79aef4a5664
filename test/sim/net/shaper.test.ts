import t from 'tap'
import { ManualClock } from '../../../sim/net/clock.js'
import { EARLY_MS, KiB, MiB } from '../../../sim/net/constants.js'
import { Shaper, TokenBucket, type ShaperInit } from '../../../sim/net/shaper.js'

interface Arrival { at: number, bytes: Uint8Array }

/** A shaper on a manual clock that records what arrives and when. */
function rig (init: Partial<ShaperInit> & { delayMs: number, bucket: TokenBucket | null }, clock = new ManualClock()): { clock: ManualClock, shaper: Shaper, arrivals: Arrival[], drains: number[] } {
  const arrivals: Arrival[] = []
  const drains: number[] = []
  const shaper = new Shaper({ clock, deliver: bytes => { arrivals.push({ at: clock.now(), bytes }) }, onDrain: () => { drains.push(clock.now()) }, ...init })
  return { clock, shaper, arrivals, drains }
}

function concat (arrivals: Arrival[]): Buffer {
  return Buffer.concat(arrivals.map(a => a.bytes))
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0
}

function pattern (n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff
  return b
}

t.test('bytes arrive in order, after the one-way delay, and not before', async t => {
  const { clock, shaper, arrivals } = rig({ delayMs: 50, bucket: null })
  const a = pattern(1000, 1)
  const b = pattern(40 * KiB, 2)
  const c = pattern(3, 3)
  shaper.write(a)
  clock.advance(10)
  shaper.write(b)
  shaper.write(c)
  clock.advance(39.9)
  t.equal(arrivals.length, 0, 'nothing before the delay')
  clock.advance(0.1)
  t.same(arrivals.map(x => x.at), [50], 'the first write arrives at exactly 50 ms')
  clock.advance(10)
  t.ok(arrivals.every(x => x.at === 50 || x.at === 60), `later writes at 60 ms: ${arrivals.map(x => x.at).join(', ')}`)
  t.ok(sameBytes(concat(arrivals), Buffer.concat([a, b, c])), 'every byte, in order')
  t.equal(shaper.heldBytes, 0)
  t.equal(shaper.deliveredBytes, a.length + b.length + c.length)
  t.equal(clock.pendingTimers, 0, 'no timer left behind')
})

t.test('the bucket paces at its rate after a burst of its depth, and the delay comes on top', async t => {
  const bucket = new TokenBucket({ mbps: 8 }) // 1000 bytes per ms
  t.equal(bucket.depthBytes, 64 * KiB, 'depth: 64 KiB minimum')
  const { clock, shaper, arrivals } = rig({ delayMs: 10, bucket, maxQueuedBytes: 4 * MiB })
  const data = pattern(1 * MiB, 7)
  shaper.write(data)
  for (let i = 0; i < 2000; i++) clock.advance(1)
  t.ok(sameBytes(concat(arrivals), data), 'every byte, in order')
  const last = arrivals.at(-1)!.at
  const expected = 10 + (1 * MiB - 64 * KiB) / 1000
  t.ok(Math.abs(last - expected) <= 1, `last byte at ${last} ms, expected ${expected.toFixed(1)} ms`)
  // Never ahead of the bucket: by time x, at most depth + rate * (x - delay) bytes.
  let sum = 0
  const ahead: string[] = []
  for (const a of arrivals) {
    sum += a.bytes.byteLength
    // EARLY_MS: a piece due within half a millisecond is delivered at once.
    if (a.at < 10 - EARLY_MS || sum > 64 * KiB + 1000 * (a.at + EARLY_MS - 10) + 1) ahead.push(`${sum} bytes by ${a.at} ms`)
  }
  t.same(ahead, [], 'never ahead of the delay or the bucket')
  t.ok(arrivals.every(a => a.bytes.byteLength <= 16 * KiB), 'cut in pieces of at most 16 KiB')
})

t.test('a shared bucket splits its rate between shapers, first come first served', async t => {
  const clock = new ManualClock()
  const bucket = new TokenBucket({ mbps: 8, depthBytes: 16 * KiB })
  const x = rig({ delayMs: 5, bucket, maxQueuedBytes: 4 * MiB }, clock)
  const y = rig({ delayMs: 5, bucket, maxQueuedBytes: 4 * MiB }, clock)
  for (let i = 0; i < 32; i++) { x.shaper.write(pattern(16 * KiB, i)); y.shaper.write(pattern(16 * KiB, i + 100)) }
  for (let i = 0; i < 1200; i++) clock.advance(1)
  const lastX = x.arrivals.at(-1)!.at
  const lastY = y.arrivals.at(-1)!.at
  const alone = 5 + (512 * KiB - 16 * KiB) / 1000
  const together = 5 + (1 * MiB - 16 * KiB) / 1000
  t.ok(lastY >= together - 1 && lastY <= together + 1, `both done at the shared rate: ${lastY} ms, expected ${together.toFixed(1)} (${alone.toFixed(1)} if alone)`)
  t.ok(lastX >= together - 18 && lastX <= together, `interleaved, not one after the other: ${lastX} ms`)
})

t.test('backpressure: the queue is bounded, the writer is told to wait, and drain comes at half', async t => {
  const bucket = new TokenBucket({ mbps: 8, depthBytes: 16 * KiB })
  const { clock, shaper, drains } = rig({ delayMs: 100, bucket, maxQueuedBytes: 64 * KiB })
  let writes = 0
  while (shaper.write(pattern(8 * KiB, writes))) writes++
  t.equal(writes, 10, `accepted ${writes} writes of 8 KiB before asking to wait (64 KiB queued, 16 KiB passed at once: the bucket's depth)`)
  t.ok(shaper.queuedBytes > 64 * KiB && shaper.queuedBytes <= 64 * KiB + 8 * KiB, `queued ${shaper.queuedBytes} bytes: the limit plus at most one write`)
  t.notOk(shaper.write(pattern(8 * KiB, 99)), 'still full: wait')
  t.equal(drains.length, 0)
  let maxHeld = 0
  while (drains.length === 0) { clock.advance(1); maxHeld = Math.max(maxHeld, shaper.heldBytes) }
  t.ok(shaper.queuedBytes <= 32 * KiB, `drain at half the queue (${shaper.queuedBytes} queued)`)
  t.ok(drains[0]! < 100, `drain comes from the bucket, not the delay line: at ${drains[0]} ms`)
  // A writer that writes whenever allowed: held bytes stay within queue + rate * delay.
  let held = 0
  let seen = 0
  for (let ms = 0; ms < 3000; ms++) {
    if (drains.length > seen) {
      seen = drains.length
      while (shaper.write(pattern(8 * KiB, ms))) { /* until told to wait */ }
    }
    clock.advance(1)
    held = Math.max(held, shaper.heldBytes)
  }
  const bound = 64 * KiB + 8 * KiB + 1000 * 100 + 16 * KiB
  t.ok(held <= bound, `held at most ${held} bytes (bound ${bound})`)
  t.ok(drains.length > 10, `drained ${drains.length} times`)
})

t.test('a writer told to wait and held up past the drain catches up on the lost time; an idle writer does not', async t => {
  const bucket = new TokenBucket({ mbps: 8, depthBytes: 16 * KiB }) // 1000 bytes per ms
  const { clock, shaper, arrivals, drains } = rig({ delayMs: 0, bucket, maxQueuedBytes: 64 * KiB })
  t.notOk(shaper.write(pattern(128 * KiB, 1)), 'told to wait')
  clock.advance(500) // the writer's process is stalled: it comes back long after the drain
  t.equal(drains.length, 1)
  t.ok(drains[0]! < 100, `drain was due at ${drains[0]} ms`)
  shaper.write(pattern(256 * KiB, 2))
  clock.advance(0)
  const busyLinkMs = (384 * KiB - 16 * KiB) / 1000
  t.equal(arrivals.at(-1)!.at, 500, `all 384 KiB arrived by 500 ms, as a link kept busy from 0 ms would carry them by ${busyLinkMs.toFixed(0)} ms`)
  let sum = 0
  const ahead: string[] = []
  for (const a of arrivals) { sum += a.bytes.byteLength; if (sum > 16 * KiB + 1000 * (a.at + EARLY_MS) + 1) ahead.push(`${sum} by ${a.at}`) }
  t.same(ahead, [], 'never ahead of a link busy from the start')

  const idle = rig({ delayMs: 0, bucket: new TokenBucket({ mbps: 8, depthBytes: 16 * KiB }), maxQueuedBytes: 64 * KiB })
  t.ok(idle.shaper.write(pattern(16 * KiB, 3)), 'never told to wait')
  idle.clock.advance(500)
  idle.shaper.write(pattern(256 * KiB, 4))
  for (let i = 0; i < 400; i++) idle.clock.advance(1)
  const expected = 500 + (256 * KiB - 16 * KiB) / 1000
  t.ok(Math.abs(idle.arrivals.at(-1)!.at - expected) <= 1, `an idle writer's burst is paced from when it writes: last byte at ${idle.arrivals.at(-1)!.at} ms, expected ${expected.toFixed(0)} ms`)
})

t.test('pause holds deliveries, resume releases them in order; flushed waits for the last byte', async t => {
  const { clock, shaper, arrivals } = rig({ delayMs: 20, bucket: null })
  shaper.write(pattern(100, 1))
  shaper.write(pattern(100, 2))
  let flushed = false
  const f = shaper.flushed().then(() => { flushed = true })
  shaper.pause()
  clock.advance(50)
  t.equal(arrivals.length, 0, 'nothing while paused')
  shaper.resume()
  t.ok(sameBytes(concat(arrivals), Buffer.concat([pattern(100, 1), pattern(100, 2)])), 'all due bytes at resume, in order')
  await f
  t.ok(flushed)
})

t.test('destroy drops what is held, rejects waiters and refuses writes; twice is fine', async t => {
  const { clock, shaper, arrivals } = rig({ delayMs: 20, bucket: null })
  shaper.write(pattern(100, 1))
  const f = shaper.flushed()
  shaper.destroy()
  shaper.destroy()
  await t.rejects(f, { name: 'ShaperClosedError' })
  t.throws(() => shaper.write(pattern(1, 1)), { name: 'ShaperClosedError' })
  clock.advance(100)
  t.equal(arrivals.length, 0)
  t.equal(clock.pendingTimers, 0)
})

t.test('options are checked when the shaper is built', async t => {
  t.throws(() => new TokenBucket({ mbps: 0 }), { name: 'ShapingOptionError', message: /mbps/ })
  t.throws(() => new Shaper({ delayMs: -1, bucket: null, deliver: () => {} }), { name: 'ShapingOptionError', message: /delayMs/ })
  t.throws(() => new Shaper({ delayMs: 1, bucket: null, chunkBytes: 0, deliver: () => {} }), { name: 'ShapingOptionError', message: /chunkBytes/ })
})

t.test('on the real clock: 1 MiB at 40 Mbit/s with a 30 ms delay takes size / rate + delay, within 15%', async t => {
  const bucket = new TokenBucket({ mbps: 40 })
  let got = 0
  let lastAt = 0
  const start = performance.now()
  const done = new Promise<void>(resolve => {
    const shaper = new Shaper({
      delayMs: 30, bucket,
      deliver: b => { got += b.byteLength; if (got === 1 * MiB) { lastAt = performance.now(); resolve() } },
      onDrain: () => { pump() }
    })
    let sent = 0
    const pump = (): void => { while (sent < 1 * MiB) { sent += 32 * KiB; if (!shaper.write(new Uint8Array(32 * KiB))) return } }
    pump()
  })
  await done
  const ms = lastAt - start
  const expected = 30 + (1 * MiB - bucket.depthBytes) / bucket.bytesPerMs
  t.ok(Math.abs(ms - expected) <= 0.15 * expected, `took ${ms.toFixed(1)} ms, expected ${expected.toFixed(1)} ms (1 MiB at 40 Mbit/s + 30 ms)`)
})
