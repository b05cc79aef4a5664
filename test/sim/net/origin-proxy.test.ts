/**
 * The shaped origin proxy: a GET through it takes one round trip plus size /
 * rate, its clients share its rate, and it counts what the origin sent.
 */
import { createServer, get, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { MiB } from '../../../sim/net/constants.js'
import { startShapedProxy } from '../../../sim/net/origin-proxy.js'

const TOLERANCE = 0.15
const RTT_MS = 60
const MBPS = 40

/** An origin that answers `GET /bytes/<n>` with n bytes. */
async function startOrigin (): Promise<{ url: string, server: Server }> {
  const body = Buffer.alloc(8 * MiB, 7)
  const server = createServer((req, res) => {
    const n = Number(/^\/bytes\/(\d+)$/.exec(req.url ?? '')?.[1] ?? NaN)
    if (!(n >= 0 && n <= body.length)) { res.writeHead(404).end(); return }
    res.writeHead(200, { 'content-length': String(n), 'content-type': 'application/octet-stream' })
    res.end(body.subarray(0, n))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

/** GET on a fresh connection; milliseconds from the request to the body's last byte. */
async function timedGet (url: string): Promise<{ ms: number, bytes: number }> {
  const start = performance.now()
  return await new Promise((resolve, reject) => {
    get(url, { agent: false }, res => {
      let bytes = 0
      res.on('data', (b: Buffer) => { bytes += b.length })
      res.on('end', () => { resolve({ ms: performance.now() - start, bytes }) })
      res.on('error', reject)
    }).on('error', reject)
  })
}

function expectedMs (bytes: number): number {
  return RTT_MS + bytes * 8 / (MBPS * 1000)
}

function within (measured: number, expected: number): boolean {
  return Math.abs(measured - expected) <= TOLERANCE * expected
}

t.test('a GET through the proxy takes a round trip plus size / rate', async t => {
  const origin = await startOrigin()
  const proxy = await startShapedProxy({ target: origin.url, rttMs: RTT_MS, mbps: MBPS })
  t.teardown(async () => { await proxy.stop(); origin.server.close() })
  const size = 4 * MiB
  // Best of two: the shaping sets a floor; a stalled process only adds to it.
  const runs = [await timedGet(`${proxy.url}/bytes/${size}`), await timedGet(`${proxy.url}/bytes/${size}`)]
  t.ok(runs.every(r => r.bytes === size), 'every byte')
  const best = Math.min(...runs.map(r => r.ms))
  const expected = expectedMs(size)
  t.ok(within(best, expected), `${size / MiB} MiB: best ${best.toFixed(0)} ms of [${runs.map(r => r.ms.toFixed(0)).join(', ')}]; configured ${RTT_MS} ms + ${MBPS} Mbit/s: ${expected.toFixed(0)} ms`)
  const sent = proxy.bytes()
  t.ok(sent >= 2 * size && sent <= 2 * size + 2048, `counted ${sent} bytes from the origin: two bodies and their headers`)
  t.ok(proxy.bytesUp() > 0 && proxy.bytesUp() < 2048, `counted ${proxy.bytesUp()} request bytes`)
})

t.test('clients of one proxy share its rate', async t => {
  const origin = await startOrigin()
  const proxy = await startShapedProxy({ target: origin.url, rttMs: RTT_MS, mbps: MBPS })
  t.teardown(async () => { await proxy.stop(); origin.server.close() })
  const size = 2 * MiB
  const runs = await Promise.all([timedGet(`${proxy.url}/bytes/${size}`), timedGet(`${proxy.url}/bytes/${size}`)])
  const [fast, slow] = runs.map(r => r.ms).sort((a, b) => a - b) as [number, number]
  const together = expectedMs(2 * size)
  t.ok(within(slow, together), `two GETs of ${size / MiB} MiB at once: the last done in ${slow.toFixed(0)} ms; the pair at ${MBPS} Mbit/s: ${together.toFixed(0)} ms (${expectedMs(size).toFixed(0)} ms for one alone)`)
  t.ok(fast >= 0.75 * slow, `interleaved, not one after the other: the first done in ${fast.toFixed(0)} ms, the last in ${slow.toFixed(0)} ms`)
})

t.test('the proxy refuses a target it cannot use, and stops twice', async t => {
  await t.rejects(startShapedProxy({ target: 'https://127.0.0.1:1', rttMs: 1, mbps: 1 }), { name: 'ShapingOptionError', message: /target/ })
  await t.rejects(startShapedProxy({ target: 'http://127.0.0.1:1/v2', rttMs: 1, mbps: 1 }), { name: 'ShapingOptionError', message: /no path/ })
  await t.rejects(startShapedProxy({ target: 'http://127.0.0.1:1', rttMs: -1, mbps: 1 }), { name: 'ShapingOptionError', message: /rttMs/ })
  const proxy = await startShapedProxy({ target: 'http://127.0.0.1:1', rttMs: 1, mbps: 1 })
  await proxy.stop()
  await proxy.stop()
})
