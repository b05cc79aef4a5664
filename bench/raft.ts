/**
 * bench:raft: the replica quorum on three seed daemons on loopback (real
 * processes, LevelDB synced to disk, Raft over libp2p), driven through the
 * leader's admin API as an operator's `shoal quorum set` would be.
 *
 * Figures: commitP50Ms and commitP99Ms (sequential sets, each timed from the
 * request to its committed-and-applied answer), targetsPerSecond (concurrent
 * writers sending batches), electionMedianMs (SIGKILL of the leader to a new
 * leader the survivors agree on, median of --elections; the killed seed is
 * restarted and caught up between rounds). Baselines in the same run: a
 * libp2p ping to a seed over loopback (one network round trip between
 * processes; ping reports whole milliseconds), and an admin API status call
 * (the HTTP part of each set).
 *
 *   npm run bench:raft [-- --sets 300] [--writers 8] [--batch 32] [--seconds 5]
 *                      [--elections 10] [--election-timeout-ms 1000] [--json]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { sleep } from '../sim/cluster.js'
import { Seeds, type Seed } from '../sim/seeds.js'
import { createNode } from '../src/node/create.js'
import { DEFAULT_ELECTION_TIMEOUT_MS } from '../src/daemon/config.js'
import { parseBenchArgs, report, round } from './util.js'

const args = parseBenchArgs(process.argv.slice(2), {
  sets: 300,
  writers: 8,
  batch: 32,
  seconds: 5,
  elections: 10,
  'election-timeout-ms': DEFAULT_ELECTION_TIMEOUT_MS,
  pings: 50
})

function quantile (sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!
}

function median (xs: number[]): number {
  return quantile([...xs].sort((a, b) => a - b), 0.5)
}

function layer (i: number): string {
  return 'sha256:' + i.toString(16).padStart(64, '0')
}

/** Wait until `seed` has applied everything the leader has committed. */
async function caughtUp (seeds: Seeds, seed: Seed, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (true) {
    try {
      const leader = await seeds.leader({ timeoutMs })
      const s = await seed.node!.admin.quorum.status()
      if (s.appliedIndex >= leader.status.commitIndex && s.leader === leader.status.id) return
    } catch {
      // Not up yet, or no leader this instant: poll again.
    }
    if (performance.now() > deadline) throw new Error(`${seed.name} did not catch up within ${timeoutMs} ms`)
    await sleep(50)
  }
}

const dir = await mkdtemp(join(tmpdir(), 'shoal-bench-raft-'))
const seeds = new Seeds({ dir, electionTimeoutMs: args['election-timeout-ms'], logLevel: 'warn' })
const pinger = await createNode({ privateKey: await generateKeyPair('Ed25519'), listen: [] })
let failed = false
try {
  await seeds.start()
  let leader = await seeds.leader()

  // Baselines: one libp2p round trip to the leader's process, and one admin API call.
  const leaderAddr = multiaddr(`/ip4/127.0.0.1/tcp/${leader.seed.port}/p2p/${leader.seed.peerId}`)
  const pings: number[] = []
  const pingCalls: number[] = []
  while (pings.length < args.pings) {
    try {
      // Two figures: ping's own (the echo on an open stream, in whole ms, like a Raft message on
      // the seeds' long-lived streams), and the whole call (a new stream, negotiated, each time).
      const t0 = performance.now()
      pings.push(await pinger.services.ping.ping(leaderAddr))
      pingCalls.push(performance.now() - t0)
    } catch (err) {
      // libp2p's connection monitor pings on the same connection now and then: one ping stream at a time.
      if ((err as Error).name !== 'TooManyOutboundProtocolStreamsError') throw err
      await sleep(10)
    }
  }
  // Gone before any seed is killed: its connection monitor would ping a dead connection.
  await pinger.stop()
  const admin: number[] = []
  for (let i = 0; i < args.pings; i++) {
    const t0 = performance.now()
    await leader.seed.node!.admin.status()
    admin.push(performance.now() - t0)
  }
  const pingRttMs = median(pings)
  const pingCallMs = median(pingCalls)
  const adminRttMs = median(admin)

  // Commit latency: sequential sets on the leader.
  const api = leader.seed.node!.admin.quorum
  const latencies: number[] = []
  for (let i = 0; i < args.sets; i++) {
    const t0 = performance.now()
    await api.set({ digest: layer(i), region: 'region-0', replicas: 1 + (i % 5), reason: 'bench' })
    latencies.push(performance.now() - t0)
  }
  latencies.sort((a, b) => a - b)

  // Throughput: concurrent writers, each sending batches of `batch` sets, for `seconds`.
  let committed = 0
  let next = 1_000_000
  const until = performance.now() + args.seconds * 1000
  const started = performance.now()
  await Promise.all(Array.from({ length: args.writers }, async (_v, w) => {
    while (performance.now() < until) {
      const writes = Array.from({ length: args.batch }, () => ({ op: 'set' as const, digest: layer(next++), region: `region-${w % 3}`, replicas: 2, reason: 'bench batch' }))
      await api.batch({ writes })
      committed += writes.length
    }
  }))
  const targetsPerSecond = committed / ((performance.now() - started) / 1000)

  // Elections: kill -9 the leader, time until the survivors agree on a new one; restart it, let it catch up.
  const elections: number[] = []
  for (let round = 0; round < args.elections; round++) {
    leader = await seeds.leader()
    const survivors = seeds.seeds.filter(s => s !== leader.seed)
    const killedAt = performance.now()
    await seeds.kill(leader.seed)
    const next = await seeds.leader({ among: survivors, aboveTerm: leader.status.term, timeoutMs: 30_000, pollMs: 10 })
    elections.push(next.atMs - killedAt)
    await seeds.startSeed(leader.seed)
    await caughtUp(seeds, leader.seed)
  }
  const electionMedianMs = median(elections)

  const commitP50Ms = quantile(latencies, 0.5)
  const commitP99Ms = quantile(latencies, 0.99)
  report(args.json, [
    ['three seed daemons on loopback', 'value', 'note'],
    ['commit latency p50, ms', commitP50Ms.toFixed(2), `${args.sets} sequential sets through the leader's admin API`],
    ['commit latency p99, ms', commitP99Ms.toFixed(2), `max ${latencies[latencies.length - 1]!.toFixed(2)}`],
    ['targets committed per second', targetsPerSecond.toFixed(0), `${args.writers} writers, batches of ${args.batch}, ${args.seconds} s`],
    ['election after a leader kill, median ms', electionMedianMs.toFixed(0), `election timeout ${args['election-timeout-ms']} ms; each: ${elections.map(e => e.toFixed(0)).join(' ')}`],
    ['baseline: libp2p ping RTT to a seed, ms', pingRttMs.toFixed(0), `commit p50 is ${(commitP50Ms / pingRttMs).toFixed(1)}x; the whole ping call (new stream) ${pingCallMs.toFixed(1)} ms`],
    ['baseline: admin API status call, ms', adminRttMs.toFixed(2), 'the HTTP part of each set']
  ], {
    commitP50Ms: round(commitP50Ms, 2),
    commitP99Ms: round(commitP99Ms, 2),
    targetsPerSecond: Math.round(targetsPerSecond),
    electionMedianMs: Math.round(electionMedianMs),
    electionsMs: elections.map(e => Math.round(e)),
    electionTimeoutMs: args['election-timeout-ms'],
    pingRttMs: round(pingRttMs, 3),
    pingCallMs: round(pingCallMs, 3),
    adminRttMs: round(adminRttMs, 3),
    commitP50OverPingRtt: round(commitP50Ms / pingRttMs, 1),
    sets: args.sets,
    writers: args.writers,
    batch: args.batch
  })
} catch (err) {
  failed = true
  process.stderr.write(`bench:raft failed; the seeds' logs are kept in ${dir}\n`)
  throw err
} finally {
  await pinger.stop()
  await seeds.teardown()
  if (!failed) await rm(dir, { recursive: true, force: true })
}
