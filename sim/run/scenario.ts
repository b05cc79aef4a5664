/**
 * One scenario, run twice over the same shaped links: through a swarm of
 * real daemons (one per host of the topology, each on its own loopback
 * address with the shaped transport), then with every host pulling straight
 * from the origin through its region's shaped proxy. Both runs replay the
 * same plan on the same clock, so every figure of the report compares like
 * with like.
 */
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Cluster, type NodeHandle } from '../cluster.js'
import { TokenBucket, planHosts, startShapedProxy, originLink, type HostPlan, type ShapedProxy, type Topology } from '../net/index.js'
import { startEmbeddedOrigin } from '../origin/index.js'
import type { PullRecord, ReportInput, RunRecord } from '../report/index.js'
import type { WorkloadPlan } from '../workload/index.js'
import { pullImage } from './pull-client.js'

const here = dirname(fileURLToPath(import.meta.url))
/** The compiled child, from dist/sim/run/ or (tests run the sources) sim/run/. */
const CHILD = here.includes('dist') ? resolve(here, 'daemon-child.js') : resolve(here, '../../dist/sim/run/daemon-child.js')
/** Daemons started at once. */
const SPAWN_BATCH = 3
/** Origin egress samples for the chart. */
const SAMPLE_MS = 500

export interface ScenarioInit {
  name: string
  topology: Topology
  topologyFile: string
  plan: WorkloadPlan
  seed: number
  /** Layer digests, shared between runs and scenarios so each is computed once. */
  digestCache: Map<string, string>
  /** Told of each finished pull: (done, total, run). */
  progress?: (done: number, total: number, run: 'swarm' | 'direct') => void
  logLevel?: string
  keep?: boolean
  /** Extra `node` options for every daemon (e.g. --cpu-prof). */
  nodeArgs?: string[]
}

interface RunContext {
  hosts: HostPlan[]
  proxies: Map<string, ShapedProxy>
  originBytes: () => number
}

/** Start the origin and one shaped proxy per region, all drawing on one egress bucket. */
async function startOrigin (init: ScenarioInit): Promise<{ ctx: Omit<RunContext, 'hosts'>, stop: () => Promise<void> }> {
  const origin = await startEmbeddedOrigin({ images: init.plan.images, digestCache: init.digestCache })
  const bucket = new TokenBucket({ mbps: init.topology.origin.egressMbps })
  const proxies = new Map<string, ShapedProxy>()
  for (const region of Object.keys(init.topology.regions)) {
    proxies.set(region, await startShapedProxy({ target: origin.url, ...originLink(init.topology, region), bucket }))
  }
  return {
    ctx: { proxies, originBytes: () => origin.stats.blobBytes },
    stop: async () => {
      for (const p of proxies.values()) await p.stop()
      await origin.stop()
    }
  }
}

type PlanPull = WorkloadPlan['pulls'][number]

/** Replay the plan's pulls on the clock; `pull` does one and says where its bytes came from. `plans[i]` is the plan entry of `pulls[i]`. */
async function replay (init: ScenarioInit, run: 'swarm' | 'direct', originBytes: () => number, pull: (p: PlanPull) => Promise<Omit<PullRecord, 'startMs' | 'endMs' | 'host' | 'region' | 'image'>>): Promise<{ pulls: PullRecord[], plans: PlanPull[], samples: Array<{ atMs: number, bytes: number }>, originEgressBytes: number }> {
  const t0 = performance.now()
  const base = originBytes()
  const samples: Array<{ atMs: number, bytes: number }> = [{ atMs: 0, bytes: 0 }]
  const sampler = setInterval(() => { samples.push({ atMs: Math.round(performance.now() - t0), bytes: originBytes() - base }) }, SAMPLE_MS)
  const records: Array<{ record: PullRecord, plan: PlanPull }> = []
  let done = 0
  try {
    await Promise.all(init.plan.pulls.map(async p => {
      const wait = p.atMs - (performance.now() - t0)
      if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
      const startMs = performance.now() - t0
      const r = await pull(p)
      records.push({ plan: p, record: { host: p.hostName, region: p.region, image: p.image, startMs: Math.round(startMs), endMs: Math.round(performance.now() - t0), ...r } })
      init.progress?.(++done, init.plan.pulls.length, run)
    }))
  } finally {
    clearInterval(sampler)
  }
  samples.push({ atMs: Math.round(performance.now() - t0), bytes: originBytes() - base })
  records.sort((a, b) => a.record.startMs - b.record.startMs)
  return { pulls: records.map(r => r.record), plans: records.map(r => r.plan), samples, originEgressBytes: originBytes() - base }
}

/** A failed pull is counted in the report; say why here, since the report keeps no messages. */
function failed (p: PlanPull, run: string, error: string | undefined): void {
  process.stderr.write(`sim: ${run} pull of ${p.image} on ${p.hostName} failed: ${error ?? 'unknown error'}\n`)
}

function splitRef (image: string): { name: string, tag: string } {
  const at = image.lastIndexOf(':')
  return { name: image.slice(0, at), tag: image.slice(at + 1) }
}

/** Every host pulls straight from the origin through its region's proxy. */
async function directRun (init: ScenarioInit): Promise<RunRecord> {
  const { ctx, stop } = await startOrigin(init)
  try {
    const r = await replay(init, 'direct', ctx.originBytes, async p => {
      const proxy = ctx.proxies.get(p.region)!
      const res = await pullImage({ baseUrl: proxy.url, ...splitRef(p.image) })
      if (!res.ok) failed(p, 'direct', res.error)
      return { bytes: res.bytes, bytesBySource: { local: 0, peer: 0, origin: res.bytes }, ok: res.ok }
    })
    // Bytes from the origin to hosts outside its region cross regions.
    const outside = r.pulls.filter(p => p.region !== init.topology.origin.region).reduce((n, p) => n + p.bytes, 0)
    return { pulls: r.pulls, originEgressBytes: r.originEgressBytes, crossRegionBytes: outside, originEgressSamples: r.samples }
  } finally {
    await stop()
  }
}

/** The swarm: a daemon per host, seeds first, every host bootstrapping from the seeds. */
async function swarmRun (init: ScenarioInit): Promise<RunRecord> {
  const { ctx, stop } = await startOrigin(init)
  const cluster = new Cluster({ logLevel: init.logLevel ?? 'warn', entry: [CHILD, init.topologyFile], startTimeoutMs: 90_000, ...(init.nodeArgs != null ? { nodeArgs: init.nodeArgs } : {}) })
  const hosts = planHosts(init.topology)
  const handles = new Map<string, NodeHandle>()
  try {
    const spawn = async (h: HostPlan, bootstrap: string[]): Promise<void> => {
      const proxy = ctx.proxies.get(h.region)!
      const origin = new URL(proxy.url).host
      const handle = await cluster.spawn(h.name, {
        region: h.region,
        listen: `/ip4/${h.address}/tcp/0`,
        bootstrap,
        entryArgs: [h.name],
        args: ['--origin', origin, '--threat', 'off']
      })
      handles.set(h.name, handle)
    }
    for (const h of hosts.filter(x => x.seed)) await spawn(h, [])
    const seeds = hosts.filter(x => x.seed).map(h => handles.get(h.name)!.addr)
    // A few at a time: a dozen daemons starting at once on two cores miss their deadline.
    const rest = hosts.filter(x => !x.seed)
    for (let i = 0; i < rest.length; i += SPAWN_BATCH) await Promise.all(rest.slice(i, i + SPAWN_BATCH).map(async h => { await spawn(h, seeds) }))
    await cluster.connected(Math.min(2, hosts.length - 1), 30_000)
    const blobsOf = new Map<PlanPull, string[]>()
    const r = await replay(init, 'swarm', ctx.originBytes, async p => {
      const h = handles.get(p.hostName)!
      const origin = new URL(ctx.proxies.get(p.region)!.url).host
      const res = await pullImage({ baseUrl: h.mirror, ...splitRef(p.image), ns: origin })
      if (!res.ok) failed(p, 'swarm', res.error)
      blobsOf.set(p, res.blobs)
      return { bytes: res.bytes, bytesBySource: { local: 0, peer: 0, origin: 0 }, ok: res.ok }
    })
    // Where each pull's bytes came from: the daemon's own usage log.
    for (const [i, rec] of r.pulls.entries()) {
      const h = handles.get(rec.host)!
      const blobs = new Set(blobsOf.get(r.plans[i]!) ?? [])
      const events = await h.admin.usage({ limit: 10_000 })
      for (const e of events) {
        if (e.kind !== 'blob' || !blobs.has(e.digest)) continue
        rec.bytesBySource.local += e.bytesBySource.local
        rec.bytesBySource.peer += e.bytesBySource.peer
        rec.bytesBySource.origin += e.bytesBySource.origin
        blobs.delete(e.digest)
      }
    }
    let crossRegionBytes = r.pulls.filter(p => p.region !== init.topology.origin.region).reduce((n, p) => n + p.bytesBySource.origin, 0)
    const providerRecordsPerHost: Record<string, number> = {}
    for (const [name, h] of handles) {
      const region = hosts.find(x => x.name === name)!.region
      for (const peer of await h.admin.peers()) if (peer.region != null && peer.region !== region) crossRegionBytes += peer.receivedBytes
      providerRecordsPerHost[name] = (await h.admin.status()).routing.provided
    }
    return { pulls: r.pulls, originEgressBytes: r.originEgressBytes, crossRegionBytes, providerRecordsPerHost, originEgressSamples: r.samples }
  } finally {
    await cluster.teardown({ keep: init.keep === true })
    await stop()
  }
}

/** The bandwidths the report's lower bound is computed from. */
function bandwidths (topology: Topology): ReportInput['topology'] {
  const Bps = (mbps: number): number => mbps * 1e6 / 8
  const hosts = planHosts(topology)
  const byHost: Record<string, number> = {}
  for (const h of hosts) {
    const inRegion = hosts.filter(x => x.region === h.region).length - 1
    const outside = hosts.length - 1 - inRegion
    // Everything that could send to this host at once: the origin and every peer's uplink.
    byHost[h.name] = Bps(topology.origin.egressMbps + inRegion * topology.bandwidthMbps.lan + outside * topology.bandwidthMbps.wan)
  }
  return {
    originEgressBytesPerSecond: Bps(topology.origin.egressMbps),
    hostDownlinkBytesPerSecond: Math.min(...Object.values(byHost)),
    hostDownlinkBytesPerSecondByHost: byHost,
    rttMs: Math.max(...Object.values(topology.origin.rttMs))
  }
}

export async function runScenario (init: ScenarioInit): Promise<ReportInput> {
  const swarm = await swarmRun(init)
  const direct = await directRun(init)
  return { scenario: init.name, seed: init.seed, uniqueBytes: init.plan.pulledUniqueBytes, topology: bandwidths(init.topology), swarm, direct }
}

