/**
 * Region seeds on loopback for the replica quorum's real-process tests and
 * `bench:raft`: real `shoal daemon` processes (through `Cluster`) whose peers
 * file names every seed by peer id, so they vote. Each seed's peer key and
 * port are made before any seed starts (the peers file must name them all);
 * seeds start one after another, so each dials the ones already up and every
 * pair ends up connected. A seed can be killed (SIGKILL) and started again
 * on the same data directory, key and port.
 */
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { loadOrCreatePeerKey } from '../src/node/keys.js'
import type { QuorumStatus } from '../src/quorum/api.js'
import { Cluster, sleep, type ClusterInit, type NodeHandle } from './cluster.js'

export interface SeedsInit extends Pick<ClusterInit, 'logLevel' | 'env' | 'entry' | 'startTimeoutMs'> {
  /** Parent of the seeds' data directories (made by the caller). */
  dir: string
  /** @default 3 */
  count?: number
  /** `--election-timeout-ms` of every seed. @default the daemon's default */
  electionTimeoutMs?: number
  /** Extra daemon flags. */
  args?: string[]
}

export interface Seed {
  name: string
  region: string
  peerId: string
  port: number
  /** The running process, once started (and until killed). */
  node?: NodeHandle
}

export interface LeaderFound {
  seed: Seed
  status: QuorumStatus
  /** `performance.now()` when the leader answered. */
  atMs: number
}

/**
 * A TCP port on 127.0.0.1 that is free now, below Linux's ephemeral range
 * (32768 and up): a port the kernel handed out could be taken again by any
 * outgoing connection before the seed binds it.
 */
async function freePort (): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    const free = await new Promise<boolean>(resolve => {
      const server = createServer()
      server.once('error', () => { resolve(false) })
      server.listen(port, '127.0.0.1', () => { server.close(() => { resolve(true) }) })
    })
    if (free) return port
  }
  throw new Error('no free port between 20000 and 32000 on 127.0.0.1')
}

export class Seeds {
  readonly cluster: Cluster
  readonly seeds: Seed[] = []
  /** The peers file every seed reads. */
  readonly peersFile: string

  constructor (private readonly init: SeedsInit) {
    const { dir, logLevel, env, entry, startTimeoutMs } = init
    this.cluster = new Cluster({ dir, logLevel: logLevel ?? 'info', ...(env != null ? { env } : {}), ...(entry != null ? { entry } : {}), ...(startTimeoutMs != null ? { startTimeoutMs } : {}) })
    this.peersFile = join(init.dir, 'peers.json')
  }

  /** Make keys, ports and the peers file, then start every seed, one after another. */
  async start (entryArgs: (seed: Seed) => string[] = () => []): Promise<void> {
    const count = this.init.count ?? 3
    const regions: Record<string, { seeds: string[] }> = {}
    for (let i = 0; i < count; i++) {
      const name = `seed-${i}`
      const region = `region-${i}`
      const key = await loadOrCreatePeerKey(join(this.init.dir, name))
      const seed: Seed = { name, region, peerId: peerIdFromPrivateKey(key).toString(), port: await freePort() }
      this.seeds.push(seed)
      regions[region] = { seeds: [`/ip4/127.0.0.1/tcp/${seed.port}/p2p/${seed.peerId}`] }
    }
    await writeFile(this.peersFile, JSON.stringify({ regions }, null, 2))
    for (const seed of this.seeds) await this.startSeed(seed, entryArgs(seed))
  }

  /** Start (or start again) one seed on its data directory, key and port. */
  async startSeed (seed: Seed, entryArgs: string[] = []): Promise<NodeHandle> {
    seed.node = await this.cluster.spawn(seed.name, {
      region: seed.region,
      listen: `/ip4/127.0.0.1/tcp/${seed.port}`,
      entryArgs,
      args: [
        '--peers', this.peersFile, '--threat', 'off',
        ...(this.init.electionTimeoutMs != null ? ['--election-timeout-ms', String(this.init.electionTimeoutMs)] : []),
        ...(this.init.args ?? [])
      ]
    })
    return seed.node
  }

  /** SIGKILL a seed and wait for it to be gone: a crash, no clean shutdown. */
  async kill (seed: Seed): Promise<void> {
    const node = seed.node
    if (node == null) return
    seed.node = undefined
    const exited = new Promise(resolve => { node.process.once('exit', resolve) })
    this.cluster.kill(node)
    await exited
  }

  /** Seeds running now. */
  live (): Seed[] {
    return this.seeds.filter(s => s.node != null)
  }

  /**
   * Poll `among` until one says it leads in a term above `aboveTerm` and the
   * others that answer agree (a deposed leader may still think it leads for
   * an election timeout). Throws after `timeoutMs`, with what each said.
   */
  async leader (options: { among?: Seed[], aboveTerm?: number, timeoutMs?: number, pollMs?: number } = {}): Promise<LeaderFound> {
    const among = options.among ?? this.live()
    const deadline = performance.now() + (options.timeoutMs ?? 20_000)
    let last: string[] = []
    while (true) {
      const answers = await Promise.all(among.map(async seed => {
        try {
          return { seed, status: await seed.node!.admin.quorum.status() }
        } catch (err) {
          return { seed, error: (err as Error).message }
        }
      }))
      const atMs = performance.now()
      const leaders = answers.filter(a => a.status?.role === 'leader' && a.status.term > (options.aboveTerm ?? 0))
      const top = leaders.sort((a, b) => b.status!.term - a.status!.term)[0]
      if (top != null) {
        const agree = answers.every(a => a.status == null || a.status.term < top.status!.term || a.status.leader === top.status!.id)
        if (agree) return { seed: top.seed, status: top.status!, atMs }
      }
      last = answers.map(a => `${a.seed.name}: ${a.status != null ? `${a.status.role} term ${a.status.term} leader ${a.status.leader ?? '-'}` : a.error ?? ''}`)
      if (atMs > deadline) throw new Error(`no leader among ${among.map(s => s.name).join(', ')} within ${options.timeoutMs ?? 20_000} ms: ${last.join('; ')}`)
      await sleep(options.pollMs ?? 20)
    }
  }

  async teardown (opts: { keep?: boolean } = {}): Promise<void> {
    await this.cluster.teardown(opts)
  }
}
