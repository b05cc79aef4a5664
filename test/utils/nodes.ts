/**
 * In-process exchange nodes for tests: a real libp2p node on 127.0.0.1, an
 * in-memory store, in-memory routing, and the exchange server, client and
 * fetcher wired as the daemon wires them. `spawn` / `connect` / `teardown`.
 */
import { createHash } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { shardCid, type CID } from '../../src/shard/cid.js'
import type { ShardIndex } from '../../src/shard/types.js'
import { pino } from 'pino'
import { createNode, type ShoalLibp2p } from '../../src/node/create.js'
import { MemoryRouting, MemoryRoutingNetwork } from '../../src/routing/index.js'
import { createMemoryStore, type ShardStore } from '../../src/store/index.js'
import {
  ExchangeClient, ExchangeServer, Fetcher, Incoming, PeerStats, TrafficCounter,
  type ExchangeServerComponents, type ExchangeServerInit, type FetcherInit
} from '../../src/exchange/index.js'

export interface TestNode {
  name: string
  node: ShoalLibp2p
  store: ShardStore
  routing: MemoryRouting
  server: ExchangeServer
  client: ExchangeClient
  fetcher: Fetcher
  stats: PeerStats
  traffic: TrafficCounter
}

export const quietLogger = pino({ level: process.env.SHOAL_TEST_LOG ?? 'silent' })

export class TestSwarm {
  readonly network = new MemoryRoutingNetwork()
  readonly nodes: TestNode[] = []

  async spawn (name: string, opts: { store?: ShardStore, server?: ExchangeServerInit, fetcher?: FetcherInit, growing?: ExchangeServerComponents['growing'] } = {}): Promise<TestNode> {
    const node = await createNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
    const store = opts.store ?? createMemoryStore()
    await store.start()
    const logger = quietLogger.child({ node: name })
    const routing = new MemoryRouting(this.network, { id: node.peerId, multiaddrs: node.getMultiaddrs() })
    const stats = new PeerStats()
    const traffic = new TrafficCounter()
    const incoming = new Incoming()
    const server = new ExchangeServer({ registrar: node, store, logger, traffic, isConnected: peer => node.getConnections().some(c => c.remotePeer.toString() === peer), incoming, ...(opts.growing != null ? { growing: opts.growing } : {}) }, opts.server)
    await server.start()
    const client = new ExchangeClient({ dialer: node, stats, traffic })
    const fetcher = new Fetcher({ client, routing, store, stats, logger, incoming }, { haveRefreshMs: 100, providerLookupMs: 200, ...opts.fetcher })
    const t: TestNode = { name, node, store, routing, server, client, fetcher, stats, traffic }
    this.nodes.push(t)
    return t
  }

  /** Connect every node to every other. */
  async connect (): Promise<void> {
    for (const a of this.nodes) {
      for (const b of this.nodes) {
        if (a === b || a.node.getConnections(b.node.peerId).length > 0) continue
        await a.node.dial(b.node.getMultiaddrs()[0]!)
      }
    }
  }

  async teardown (): Promise<void> {
    await Promise.all(this.nodes.map(async n => {
      await n.server.stop()
      await n.node.stop()
      await n.store.stop()
    }))
    this.nodes.length = 0
  }
}

export { randomBytes } from '../../sim/random.js'

export async function * chunksOf (bytes: Uint8Array, size = 1 << 20): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.subarray(i, i + size)
}

/** An index cut at fixed offsets (tests that should not depend on the chunker). */
export function fixedIndex (bytes: Uint8Array, shardBytes = 256 * 1024): { index: ShardIndex, shards: Array<{ cid: CID, bytes: Uint8Array }> } {
  const shards: Array<{ cid: CID, bytes: Uint8Array }> = []
  const refs: ShardIndex['shards'] = []
  for (let off = 0; off < bytes.byteLength; off += shardBytes) {
    const b = bytes.subarray(off, off + shardBytes)
    const cid = shardCid(b)
    shards.push({ cid, bytes: b })
    refs.push({ cid, offset: off, length: b.byteLength })
  }
  const digest = 'sha256:' + createHash('sha256').update(bytes).digest('hex')
  return { index: { digest, size: bytes.byteLength, chunker: { name: 'fastcdc-v1', minBytes: 64 * 1024, avgBytes: 256 * 1024, maxBytes: 4 * 1024 * 1024 }, shards: refs }, shards }
}

/** Put a blob into a store shard by shard with a fixed index. */
export async function seed (store: ShardStore, bytes: Uint8Array, shardBytes?: number): Promise<ShardIndex> {
  const { index, shards } = fixedIndex(bytes, shardBytes)
  for (const s of shards) await store.put(s.cid, s.bytes)
  await store.putIndex(index)
  return index
}

/** A store whose `get` waits `ms` first. */
export function slowStore (store: ShardStore, ms: number): ShardStore {
  return new Proxy(store, {
    get (target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown
      if (prop === 'get') return async (...args: Parameters<ShardStore['get']>) => { await new Promise(resolve => setTimeout(resolve, ms)); return await target.get(...args) }
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    }
  })
}

/** A store that serves every shard with one byte flipped: a lying peer. */
export function corruptStore (store: ShardStore): ShardStore {
  return new Proxy(store, {
    get (target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown
      if (prop === 'get') {
        return async (...args: Parameters<ShardStore['get']>) => {
          const bytes = Uint8Array.from(await target.get(...args))
          bytes[bytes.byteLength >> 1]! ^= 0xff
          return bytes
        }
      }
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    }
  })
}
