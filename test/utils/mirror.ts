/** A registry mirror over an in-process test node (see nodes.ts) and an origin, for tests. */
import { createRegistryMirror, MemoryTagStore, PeerTags, type BlobGuard, type Mirror, type MirrorSwarm, type OriginRegistry, type ReferrerOrigin, type RegistryMirrorInit, type ServedEvent } from '../../src/registry/index.js'
import { quietLogger, type TestNode } from './nodes.js'

export interface TestMirror {
  mirror: Mirror
  url: string
  tags: MemoryTagStore
  provided: string[]
  penalised: string[]
  served: ServedEvent[]
  peerTags?: PeerTags
  stop: () => Promise<void>
}

export function swarmOf (n: TestNode, provided: string[] = [], penalised: string[] = []): MirrorSwarm {
  return {
    findIndex: async (digest, { signal }) => await n.fetcher.findIndex(digest, { ...(signal != null ? { signal } : {}) }),
    fetch: async (digest, options) => await n.fetcher.fetch(digest, options),
    provide: (cid, priority) => {
      provided.push(cid.toString())
      try { n.routing.provide(cid, priority) } catch { /* a full queue only delays announcements */ }
    },
    penalise: (peer) => { penalised.push(peer); n.stats.penalise(peer) }
  }
}

export async function startMirror (n: TestNode, origin: OriginRegistry | undefined, init: Partial<RegistryMirrorInit> = {}, opts: { peerTags?: boolean, referrers?: ReferrerOrigin, guard?: BlobGuard } = {}): Promise<TestMirror> {
  const provided: string[] = []
  const penalised: string[] = []
  const served: ServedEvent[] = []
  const tags = new MemoryTagStore()
  const logger = quietLogger.child({ node: n.name, component: 'mirror' })
  const peerTags = opts.peerTags === true ? new PeerTags({ registrar: n.node, getConnections: () => n.node.getConnections(), tags, logger }) : undefined
  await peerTags?.start()
  const mirror = createRegistryMirror({ listen: '127.0.0.1:0', defaultOrigin: 'origin.test', ...init }, {
    store: n.store,
    swarm: swarmOf(n, provided, penalised),
    tags,
    ...(origin != null ? { origin } : {}),
    ...(peerTags != null ? { peerTags } : {}),
    ...(opts.referrers != null ? { referrerOrigin: opts.referrers } : {}),
    ...(opts.guard != null ? { guard: opts.guard } : {}),
    usage: { record: e => { served.push(e) } },
    logger
  })
  await mirror.start()
  return {
    mirror, url: mirror.url, tags, provided, penalised, served,
    ...(peerTags != null ? { peerTags } : {}),
    stop: async () => { await mirror.stop(); await peerTags?.stop() }
  }
}
