/**
 * In-process region seeds for quorum tests: real libp2p nodes on
 * 127.0.0.1 (createNode, with a switchable connection gater), each running
 * a QuorumService over LevelDB in its own directory, plus optional
 * non-seed daemons running a QuorumClient. `spawn` / `connect` / `stop` /
 * `restart` / `isolate` / `heal` / `teardown`. Log lines carry the node's
 * name (set SHOAL_TEST_LOG=debug to see them).
 */
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { pino } from 'pino'
import { createNode, type ShoalLibp2p } from '../../../src/node/create.js'
import { createQuorumClient, createQuorumService, type AppliedChange, type QuorumClient, type QuorumService, type QuorumServiceInit } from '../../../src/quorum/index.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import type { QuorumStatus } from '../../../src/quorum/api.js'

export const logger = pino({ level: process.env.SHOAL_TEST_LOG ?? 'silent' })

/** Fast elections (200-400 ms), generous request timeouts: loaded CI machines stall for hundreds of ms. */
export const FAST = { tickMs: 20, electionTicks: 10, requestTimeoutMs: 4000 }

export interface Seed {
  name: string
  key: PrivateKey
  id: string
  dir: string
  node?: ShoalLibp2p
  service?: QuorumService
  /** Peers this node refuses to talk to (the gater). */
  blocked: Set<string>
  /** Every onApplied call, in order. */
  applied: Array<{ index: number, changes: AppliedChange[] }>
}

export interface Observer {
  name: string
  node: ShoalLibp2p
  client: QuorumClient
}

export class SeedCluster {
  readonly seeds: Seed[] = []
  readonly observers: Observer[] = []

  private constructor (private readonly root: string, private readonly init: Partial<QuorumServiceInit>) {}

  /** `n` seeds, started and connected to each other. */
  static async spawn (root: string, n: number, init: Partial<QuorumServiceInit> = {}): Promise<SeedCluster> {
    const c = new SeedCluster(root, { ...FAST, ...init })
    for (let i = 0; i < n; i++) {
      const key = await generateKeyPair('Ed25519')
      const name = `seed-${String.fromCharCode(97 + i)}`
      c.seeds.push({ name, key, id: peerIdFromPrivateKey(key).toString(), dir: join(root, name), blocked: new Set(), applied: [] })
    }
    for (const s of c.seeds) await c.start(s)
    await c.connect()
    return c
  }

  get voters (): string[] {
    return this.seeds.map(s => s.id)
  }

  /** Start (or restart, from its directory and with its key) a seed's node and service. */
  async start (s: Seed): Promise<void> {
    const blocked = (peer: PeerId): boolean => s.blocked.has(peer.toString())
    s.node = await createNode({
      privateKey: s.key,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      connectionGater: {
        denyDialPeer: blocked,
        denyInboundEncryptedConnection: blocked,
        denyOutboundEncryptedConnection: blocked
      }
    })
    s.service = createQuorumService({ dir: s.dir, voters: this.voters, regions: Object.fromEntries(this.seeds.map((x, i) => [x.id, `r${i}`])), ...this.init }, {
      libp2p: s.node,
      logger: logger.child({ node: s.name }),
      onApplied: (changes, index) => { s.applied.push({ index, changes }) }
    })
    await s.service.start()
  }

  /** A daemon that is not a seed, connected to every running seed. */
  async observer (name: string): Promise<Observer> {
    const node = await createNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
    const client = createQuorumClient({ seeds: this.voters, requestTimeoutMs: this.init.requestTimeoutMs ?? FAST.requestTimeoutMs }, { libp2p: node, logger: logger.child({ node: name }) })
    await client.start()
    const o = { name, node, client }
    this.observers.push(o)
    for (const s of this.running()) await node.dial(s.node!.getMultiaddrs()[0]!)
    return o
  }

  running (): Seed[] {
    return this.seeds.filter(s => s.node != null)
  }

  /** Connect every running seed to every other it does not block. */
  async connect (): Promise<void> {
    for (const a of this.running()) {
      for (const b of this.running()) {
        if (a === b || a.blocked.has(b.id) || b.blocked.has(a.id)) continue
        await dialUntilConnected(a.node!, b.node!)
      }
    }
  }

  /** Stop a seed as a crash would look from outside: its service and node go away. */
  async stop (s: Seed): Promise<void> {
    await s.service?.stop()
    await s.node?.stop()
    s.service = undefined
    s.node = undefined
  }

  async restart (s: Seed): Promise<void> {
    await this.start(s)
    await this.connect()
  }

  /** Cut `s` off from every other seed and observer, both ways (its gater refuses them; open connections are closed). */
  async isolate (s: Seed): Promise<void> {
    const others = [...this.seeds.filter(x => x !== s).map(x => x.id), ...this.observers.map(o => o.node.peerId.toString())]
    for (const id of others) s.blocked.add(id)
    for (const c of s.node!.getConnections()) await c.close().catch(() => {})
  }

  async heal (s: Seed): Promise<void> {
    s.blocked.clear()
    await this.connect()
    for (const o of this.observers) await dialUntilConnected(o.node, s.node!)
  }

  async statuses (): Promise<Array<QuorumStatus & { name: string }>> {
    return await Promise.all(this.running().map(async s => ({ name: s.name, ...(await s.service!.status()) })))
  }

  /** The seed every running seed in `among` agrees leads, once they do. */
  async leader (among: Seed[] = this.running(), timeoutMs = 30_000): Promise<Seed> {
    let last = ''
    const until = Date.now() + timeoutMs
    while (Date.now() < until) {
      const st = await Promise.all(among.map(async s => await s.service!.status()))
      const leaders = st.filter(x => x.role === 'leader')
      if (leaders.length === 1 && st.every(x => x.leader === leaders[0]!.id && x.term === leaders[0]!.term)) {
        return this.seeds.find(s => s.id === leaders[0]!.id)!
      }
      last = st.map(x => `${x.id.slice(-6)}:${x.role}@${x.term}->${x.leader?.slice(-6) ?? '-'}`).join(' ')
      await sleep(20)
    }
    throw new Error(`no agreed leader within ${timeoutMs} ms: ${last}`)
  }

  async teardown (): Promise<void> {
    for (const o of this.observers) {
      await o.client.stop()
      await o.node.stop()
    }
    for (const s of this.seeds) await this.stop(s)
  }
}

export async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

/** Poll `check` until it holds; false after `timeoutMs` (a liveness bound, generous on purpose). */
export async function eventually (check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<boolean> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (await check()) return true
    await sleep(25)
  }
  return await check()
}

export function digest (n: number): string {
  return 'sha256:' + n.toString(16).padStart(64, '0')
}

/**
 * Dial until a connection exists. The seeds' own transports redial their
 * peers too, and when both ends dial at once one attempt may be reset
 * (ECONNRESET) while the other succeeds: only a missing connection after a
 * few tries is an error.
 */
async function dialUntilConnected (from: ShoalLibp2p, to: ShoalLibp2p): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    if (from.getConnections(to.peerId).length > 0) return
    try {
      await from.dial(to.getMultiaddrs()[0]!)
      return
    } catch (err) {
      if (from.getConnections(to.peerId).length > 0) return
      if (attempt >= 5) throw err
      await new Promise(resolve => setTimeout(resolve, 100 * attempt))
    }
  }
}
