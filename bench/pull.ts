/**
 * bench:pull: a real containerd pulls a 4-layer image (512 MiB by default)
 * from a real Distribution registry on loopback, three ways, in one run:
 *   direct: straight from the registry (the baseline);
 *   warm:   through a daemon whose store already holds the image;
 *   peer:   through a daemon whose peer holds it (no origin blob bytes).
 * Each pull includes containerd's unpack (native snapshotter), as a user's
 * does. The direct pull runs before and after the others and its mean is the
 * baseline. Figures: warmRatio (target <= 1.0), peerRatio (target <= 1.5),
 * peakRssMB (largest daemon's peak resident set; target <= 200).
 *
 *   npm run bench:pull [-- --size-mib 512] [--layers 4] [--json]
 *
 * Needs docker-registry, skopeo, containerd and ctr (as root), as the tests.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Cluster, type NodeHandle } from '../sim/cluster.js'
import { startContainerd, writeHostsToml } from '../test/utils/containerd.js'
import { pushLayout, writeImageLayout } from '../test/utils/oci-images.js'
import { startRegistry } from '../test/utils/registry.js'
import { removeDir, tempDir, which } from '../test/utils/system.js'
import { parseBenchArgs, report } from './util.js'

const MiB = 1024 * 1024
const args = parseBenchArgs(process.argv.slice(2), { 'size-mib': 512, layers: 4 })

const missing = ['docker-registry', 'skopeo', 'containerd', 'ctr'].filter(b => which(b) == null)
if (missing.length > 0) {
  process.stderr.write(`bench:pull needs ${missing.join(', ')} on PATH (apt-get install docker-registry containerd skopeo)\n`)
  process.exit(2)
}

async function peakRssMB (n: NodeHandle): Promise<number> {
  const status = await readFile(`/proc/${n.process.pid}/status`, 'utf8').catch(() => '')
  const m = /VmHWM:\s+(\d+) kB/.exec(status)
  return m != null ? Number(m[1]) / 1024 : NaN
}

/** Seconds of CPU a process has used (all its threads), from /proc. */
async function cpuSeconds (pid: number | undefined): Promise<number> {
  const stat = await readFile(`/proc/${pid ?? 0}/stat`, 'utf8').catch(() => '')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** Busy and total jiffies of the whole machine, from /proc/stat. */
async function machineTicks (): Promise<{ busy: number, total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? ''
  const v = line.trim().split(/\s+/).slice(1).map(Number)
  const idle = (v[3] ?? 0) + (v[4] ?? 0)
  const total = v.reduce((a, b) => a + b, 0)
  return { busy: total - idle, total }
}

const dir = await tempDir('bench-pull')
const registry = await startRegistry()
const cluster = new Cluster({ logLevel: 'warn' })
const containerd = await startContainerd()
try {
  const layerBytes = Math.floor(args['size-mib'] * MiB / args.layers)
  await writeImageLayout(join(dir, 'layout'), {
    tag: 'v1',
    layers: Array.from({ length: args.layers }, (_v, i) => ({ randomBytes: layerBytes, seed: 100 + i }))
  })
  await pushLayout(join(dir, 'layout'), 'v1', registry.host, 'bench/app')
  const ref = `${registry.host}/bench/app:v1`

  const warm = await cluster.spawn('warm')
  const peer = await cluster.spawn('peer', { bootstrap: [warm.addr] })
  await cluster.connected(1)
  const direct = join(dir, 'hosts-direct')
  await writeHostsToml(direct, registry.host)
  const viaWarm = join(dir, 'hosts-warm')
  const viaPeer = join(dir, 'hosts-peer')
  await writeHostsToml(viaWarm, registry.host, warm.mirror)
  await writeHostsToml(viaPeer, registry.host, peer.mirror)

  /** Per pull: the machine's busy share of its cores, and the CPU seconds the daemons used. */
  const usage: Record<string, { busy: number, daemonCpu: number }> = {}
  // Each pull starts with the daemons' announcement queues drained, so it is measured alone.
  const settle = async (): Promise<void> => {
    for (const n of [warm, peer]) {
      for (let i = 0; i < 600 && (await n.admin.status()).routing.queued > 0; i++) await new Promise(resolve => setTimeout(resolve, 100))
    }
  }
  const pull = async (hostsDir: string, phase: string): Promise<number> => {
    await settle()
    const m0 = await machineTicks()
    const c0 = (await cpuSeconds(warm.process.pid)) + (await cpuSeconds(peer.process.pid))
    const started = performance.now()
    const r = await containerd.pull(ref, { hostsDir, timeoutMs: 600_000 })
    const seconds = (performance.now() - started) / 1000
    const m1 = await machineTicks()
    const c1 = (await cpuSeconds(warm.process.pid)) + (await cpuSeconds(peer.process.pid))
    usage[phase] = { busy: (m1.busy - m0.busy) / (m1.total - m0.total), daemonCpu: c1 - c0 }
    if (r.code !== 0) throw new Error(`ctr pull failed: ${r.stderr.slice(-1000)}`)
    await containerd.removeImage(ref)
    return seconds
  }

  const direct1 = await pull(direct, 'direct')
  const coldSeconds = await pull(viaWarm, 'cold') // fills the warm daemon's store from the origin
  const warmSeconds = await pull(viaWarm, 'warm')
  const peerSeconds = await pull(viaPeer, 'peer')
  const direct2 = await pull(direct, 'direct2')
  const directSeconds = (direct1 + direct2) / 2
  const rss = await Promise.all([warm, peer].map(peakRssMB))
  const peakRss = Math.max(...rss)
  const r2 = (n: number): number => Math.round(n * 100) / 100
  report(args.json, [
    [`containerd pull of ${args['size-mib']} MiB in ${args.layers} layers`, 'seconds', ''],
    ['  direct from the registry (mean of before and after)', directSeconds.toFixed(2), `${direct1.toFixed(2)} / ${direct2.toFixed(2)}`],
    ['  through a daemon, cold (from the origin)', coldSeconds.toFixed(2), `ratio ${(coldSeconds / directSeconds).toFixed(2)}`],
    ['  through a daemon holding the image (warm)', warmSeconds.toFixed(2), `warmRatio ${(warmSeconds / directSeconds).toFixed(2)}, target <= 1.0`],
    ['  through a daemon whose peer holds it', peerSeconds.toFixed(2), `peerRatio ${(peerSeconds / directSeconds).toFixed(2)}, target <= 1.5`],
    ['peak RSS of the largest daemon, MB', peakRss.toFixed(0), `target <= 200 (warm ${rss[0]!.toFixed(0)}, peer ${rss[1]!.toFixed(0)})`],
    ['machine CPU busy during the pull (of 100%)', '', Object.entries(usage).map(([k, u]) => `${k} ${(u.busy * 100).toFixed(0)}%`).join(', ')],
    ['daemons\' CPU seconds during the pull', '', Object.entries(usage).map(([k, u]) => `${k} ${u.daemonCpu.toFixed(1)}`).join(', ')]
  ], {
    busy: Object.fromEntries(Object.entries(usage).map(([k, u]) => [k, r2(u.busy)])),
    daemonCpuSeconds: Object.fromEntries(Object.entries(usage).map(([k, u]) => [k, r2(u.daemonCpu)])),
    directSeconds: r2(directSeconds),
    coldSeconds: r2(coldSeconds),
    warmSeconds: r2(warmSeconds),
    peerSeconds: r2(peerSeconds),
    warmRatio: r2(warmSeconds / directSeconds),
    peerRatio: r2(peerSeconds / directSeconds),
    coldRatio: r2(coldSeconds / directSeconds),
    peakRssMB: Math.round(peakRss),
    sizeMiB: args['size-mib'],
    layers: args.layers
  })
} finally {
  await cluster.teardown()
  await containerd.stop()
  await registry.destroy()
  await removeDir(dir)
}
