/**
 * Two regions of libp2p nodes built by src/node/create.ts with the shaped
 * transport: ping round trips and bulk transfers must match the topology
 * within 15%, on the WAN and on the LAN, in both the dialling and the
 * listening direction.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import t from 'tap'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Stream } from '@libp2p/interface'
import { createNode, type ShoalLibp2p } from '../../../src/node/create.js'
import { KiB, MiB } from '../../../sim/net/constants.js'
import { hostLinks, planHosts, regionOfAddress, type HostPlan } from '../../../sim/net/plan.js'
import { shapedTcp } from '../../../sim/net/shaped-tcp.js'
import { parseTopology } from '../../../sim/net/topology.js'

const TOLERANCE = 0.15
const BULK_PROTOCOL = '/shoal-test/bulk/1.0.0'
const SINK_PROTOCOL = '/shoal-test/sink/1.0.0'
const BULK_BYTES = 4 * MiB
/** Transfers per link; the fastest counts (see bestTransfer). */
const TRANSFERS = 3
const CHUNK_BYTES = 64 * KiB

const topology = parseTopology({
  regions: { 'eu-west': { hosts: 2, seedCount: 1 }, 'us-east': { hosts: 1, seedCount: 1 } },
  rttMs: { 'eu-west': { 'eu-west': 20, 'us-east': 100 }, 'us-east': { 'us-east': 20 } },
  bandwidthMbps: { lan: 80, wan: 40 },
  origin: { region: 'us-east', egressMbps: 40 }
}, 'test topology')
const plan = planHosts(topology)
const regionOf = regionOfAddress(plan)

/** Bytes received on a stream from its first byte to its last. */
interface Received { bytes: number, firstAt: number, lastAt: number }

async function receive (stream: Stream): Promise<Received> {
  let bytes = 0
  let firstAt = 0
  let lastAt = 0
  for await (const chunk of stream) {
    const now = performance.now()
    if (bytes === 0) firstAt = now
    bytes += chunk.byteLength
    lastAt = now
  }
  return { bytes, firstAt, lastAt }
}

async function sendBulk (stream: Stream, size: number): Promise<void> {
  const chunk = new Uint8Array(CHUNK_BYTES).fill(7)
  for (let sent = 0; sent < size; sent += CHUNK_BYTES) {
    if (!stream.send(chunk.subarray(0, Math.min(CHUNK_BYTES, size - sent)))) await stream.onDrain({ signal: AbortSignal.timeout(30_000) })
  }
  await stream.close()
}

async function spawn (host: HostPlan): Promise<ShoalLibp2p> {
  const node = await createNode({
    privateKey: await generateKeyPair('Ed25519'),
    listen: [`/ip4/${host.address}/tcp/0`],
    transports: [shapedTcp({ localAddress: host.address, regionOf, linkFor: hostLinks(topology, host.region) })]
  })
  // Serves BULK_BYTES to whoever opens a bulk stream (the listener's writes).
  await node.handle(BULK_PROTOCOL, async stream => { await sendBulk(stream, BULK_BYTES) })
  return node
}

/** Runs `fn` and says how late this process's event loop ran meanwhile: a loaded machine, not the shaping, when high. */
async function lagged<T> (fn: () => Promise<T>): Promise<[T, string]> {
  const h = monitorEventLoopDelay({ resolution: 1 })
  h.enable()
  try {
    const r = await fn()
    return [r, `event loop lag p50 ${(h.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms, max ${(h.max / 1e6).toFixed(1)} ms`]
  } finally {
    h.disable()
  }
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

function within (measured: number, expected: number): boolean {
  return Math.abs(measured - expected) <= TOLERANCE * expected
}

const PING_PROTOCOL = '/ipfs/ping/1.0.0'

/**
 * `n` pings, one at a time. The ping service allows one outbound ping stream
 * per connection, and libp2p's connection monitor pings too, so each ping
 * waits for the last one's stream to close, and tries again (a few times)
 * if the monitor got there first.
 */
async function pings (from: ShoalLibp2p, to: ShoalLibp2p, n = 7): Promise<number[]> {
  const out: number[] = []
  const deadline = Date.now() + 30_000
  while (out.length < n) {
    if (Date.now() > deadline) throw new Error(`${out.length} of ${n} pings in 30 s`)
    if (from.getConnections(to.peerId).some(c => c.streams.some(s => s.protocol === PING_PROTOCOL))) {
      await new Promise(resolve => setTimeout(resolve, 5))
      continue
    }
    try {
      out.push(await from.services.ping.ping(to.peerId, { signal: AbortSignal.timeout(10_000) }))
    } catch (err) {
      if ((err as Error).name !== 'TooManyOutboundProtocolStreamsError') throw err
    }
  }
  return out
}

/**
 * The least of several round trips: shaping sets a floor that every ping
 * pays; what a loaded machine adds (a process not scheduled for a few ms)
 * only ever comes on top, so the floor is the figure to compare.
 */
function floor (xs: number[]): number {
  return Math.min(...xs)
}

/**
 * The fastest of several transfers, each timed from before its first byte
 * was written to its last byte's arrival: the shaping sets a floor on that
 * time (the bytes at the rate, plus the flight), and a stalled process (a
 * receiver late with its yamux window updates, say) only ever adds to it,
 * as with the ping floor. The check stays two-sided: faster fails too.
 */
async function bestTransfer (n: number, transfer: () => Promise<number>): Promise<{ ms: number, all: number[], lag: string }> {
  const all: number[] = []
  const [, lag] = await lagged(async () => {
    for (let i = 0; i < n; i++) all.push(await transfer())
  })
  return { ms: Math.min(...all), all, lag }
}

function rateMessage (best: { ms: number, all: number[], lag: string }, mbps: number, flightMs: number, flight: string): string {
  const ms = (x: number): string => `${x.toFixed(0)} ms`
  const rate = (x: number): string => `${(BULK_BYTES * 8 / ((x - flightMs) * 1000)).toFixed(1)} Mbit/s`
  return `${BULK_BYTES / MiB} MiB: best ${ms(best.ms)} (${rate(best.ms)}) of [${best.all.map(ms).join(', ')}]; ` +
    `configured ${mbps} Mbit/s + ${flight} ${flightMs} ms: ${ms(transferMs(mbps, flightMs))}; ${best.lag}`
}

/** Size / rate, plus the round trips the transfer waits for. */
function transferMs (mbps: number, flightMs: number): number {
  return BULK_BYTES * 8 / (mbps * 1000) + flightMs
}

t.test('shaped links between libp2p nodes match the topology', async t => {
  const [euA, euB, us] = [plan[0]!, plan[1]!, plan[2]!]
  t.same([euA.region, euB.region, us.region], ['eu-west', 'eu-west', 'us-east'])
  const [a, b, c] = await Promise.all([spawn(euA), spawn(euB), spawn(us)])
  t.teardown(async () => { await Promise.all([a, b, c].map(async n => n.stop())) })
  let sinkDone: (r: Received) => void = () => {}
  await b.handle(SINK_PROTOCOL, async stream => { sinkDone(await receive(stream)) })

  await t.test('WAN: ping round trip is the topology\'s, in both directions', async t => {
    await a.dial(c.getMultiaddrs()[0]!)
    const ab = await pings(a, c)
    const ba = await pings(c, a)
    const expected = topology.rttMs['eu-west']!['us-east']!
    t.ok(within(floor(ab), expected), `dialler -> listener: least ${floor(ab)} ms, median ${median(ab)} ms of [${ab.join(', ')}]; configured ${expected} ms`)
    t.ok(within(floor(ba), expected), `listener -> dialler: least ${floor(ba)} ms, median ${median(ba)} ms of [${ba.join(', ')}]; configured ${expected} ms`)
  })

  await t.test('WAN: a bulk transfer written by the listener runs at the WAN rate', async t => {
    // The request goes out (half a round trip), the listener writes at once, its bytes come back (the other half).
    const rtt = topology.rttMs['eu-west']!['us-east']!
    const best = await bestTransfer(TRANSFERS, async () => {
      const start = performance.now()
      const r = await receive(await a.dialProtocol(c.peerId, BULK_PROTOCOL))
      if (r.bytes !== BULK_BYTES) throw new Error(`received ${r.bytes} bytes of ${BULK_BYTES}`)
      return r.lastAt - start
    })
    t.ok(within(best.ms, transferMs(topology.bandwidthMbps.wan, rtt)), rateMessage(best, topology.bandwidthMbps.wan, rtt, 'a round trip'))
  })

  await t.test('LAN: ping round trip and a bulk transfer written by the dialler use the LAN figures', async t => {
    await a.dial(b.getMultiaddrs()[0]!)
    const rtts = await pings(a, b)
    const rtt = topology.rttMs['eu-west']!['eu-west']!
    t.ok(within(floor(rtts), rtt), `least ${floor(rtts)} ms, median ${median(rtts)} ms of [${rtts.join(', ')}]; configured ${rtt} ms`)
    // Timed from the first write of the negotiated stream: the bytes, then half a round trip of flight.
    const best = await bestTransfer(TRANSFERS, async () => {
      const sink = new Promise<Received>(resolve => { sinkDone = resolve })
      const stream = await a.dialProtocol(b.peerId, SINK_PROTOCOL)
      const start = performance.now()
      await sendBulk(stream, BULK_BYTES)
      const r = await sink
      if (r.bytes !== BULK_BYTES) throw new Error(`received ${r.bytes} bytes of ${BULK_BYTES}`)
      return r.lastAt - start
    })
    t.ok(within(best.ms, transferMs(topology.bandwidthMbps.lan, rtt / 2)), rateMessage(best, topology.bandwidthMbps.lan, rtt / 2, 'half a round trip'))
  })
})

t.test('a peer outside the topology is reached unshaped', async t => {
  const host = plan[0]!
  const a = await spawn(host)
  const outsider = await createNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  t.teardown(async () => { await Promise.all([a, outsider].map(async n => n.stop())) })
  await a.dial(outsider.getMultiaddrs()[0]!)
  const rtts = await pings(a, outsider, 5)
  t.ok(floor(rtts) < 10, `least ${floor(rtts)} ms of [${rtts.join(', ')}]: no added delay (the shortest shaped round trip is 20 ms)`)
})

t.test('the transport refuses options it cannot use', async t => {
  t.throws(() => shapedTcp({ localAddress: '10.0.0.1', regionOf, linkFor: () => undefined }), { name: 'ShapingOptionError', message: /localAddress/ })
  t.throws(() => shapedTcp({ localAddress: '127.0.1.1', regionOf, linkFor: () => undefined, bandwidth: 3 } as unknown as Parameters<typeof shapedTcp>[0]), { name: 'ShapingOptionError', message: /bandwidth: unknown option/ })
})
