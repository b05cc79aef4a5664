/**
 * Blobs for the mirror: served from the store when every shard is local;
 * otherwise assembled just in time by a `BlobJob`, shared by all concurrent
 * requests for the blob. A blob another host is already streaming from the
 * origin is waited for and then taken from the swarm (one origin copy per
 * blob for the swarm, not per host): followed as it streams, its shards
 * listed by the streaming host as they are cut and fetched from it (or from
 * the peers it has passed them to) as soon as they are listed; or, once it
 * is whole, taken like any other. With a shard index (local, or from a peer) the
 * fetch scheduler pulls the missing shards from peers in blob order, and
 * from the origin by `Range` for shards nobody has. Without one, the blob
 * streams from the origin while it is chunked, stored and announced shard by
 * shard, so this host serves it to peers while it is still arriving.
 */
import type { Logger } from 'pino'
import { digestToCid } from '../shard/cid.js'
import type { ShardHasher } from '../shard/hasher.js'
import type { ShardIndex } from '../shard/types.js'
import type { ShardStore } from '../store/index.js'
import type { OriginSource, ShardSource } from '../exchange/index.js'
import { BlobJob } from './blob-job.js'
import { raceAbort } from './deferred.js'
import { BlobUnknownError, DeniedError, UnavailableError } from './errors.js'
import { PEER_INDEX_TIMEOUT_MS, SMALL_FROM_ORIGIN_BYTES } from './constants.js'
import type { SizeHints } from './size-hints.js'
import type { BlobGuard, MirrorSwarm, OriginRegistry, OriginTarget } from './types.js'

export interface BlobServiceComponents {
  store: ShardStore
  swarm: MirrorSwarm
  /** Shard indexes from the origin's referrer artifacts: trusted over any peer's. */
  trusted?: { get (blobDigest: string): Promise<ShardIndex | undefined> }
  origin?: OriginRegistry
  hasher?: ShardHasher
  /** Refuses quarantined blobs and judges blobs before they are served whole. */
  guard?: BlobGuard
  /** Sizes declared by the manifests served: a small blob comes from the origin first. */
  sizes?: SizeHints
  logger: Logger
}

export type OpenedBlob =
  | { kind: 'local', sizeBytes: number }
  | { kind: 'job', job: BlobJob }

export interface BlobChunk {
  bytes: Uint8Array
  source: ShardSource
}

export class BlobService {
  private readonly jobs = new Map<string, BlobJob>()
  private readonly controller = new AbortController()

  constructor (private readonly components: BlobServiceComponents) {}

  /** Blobs being assembled now. */
  get active (): number {
    return this.jobs.size
  }

  /** Whether blobs are judged by the threat guard before they are served whole. */
  get gating (): boolean {
    return this.components.guard?.gating === true
  }

  stop (): void {
    this.controller.abort(new UnavailableError('the daemon is stopping'))
  }

  /** Start serving a blob: from the store, or by joining (or starting) its assembly. */
  async open (target: OriginTarget, digest: string, signal?: AbortSignal): Promise<OpenedBlob> {
    await this.refuseQuarantined(digest)
    const running = this.jobs.get(digest)
    if (running != null) return { kind: 'job', job: running }
    const { store, guard } = this.components
    const index = await store.getIndex(digest)
    if (index != null && await store.hasBlob(digest)) {
      // Judged when it was stored; judged again only if the feeds changed since.
      if (guard?.gating === true) await guard.admit(digest, signal)
      return { kind: 'local', sizeBytes: index.size }
    }
    // A small blob a manifest declared goes to the origin at once: no artifact, lookup or have-map wait.
    const hinted = index == null ? this.components.sizes?.get(digest) : undefined
    const small = hinted != null && hinted <= SMALL_FROM_ORIGIN_BYTES && this.components.origin != null && target.host != null
    const trusted = small ? undefined : await this.components.trusted?.get(digest)
    const again = this.jobs.get(digest)
    if (again != null) return { kind: 'job', job: again }
    const known = trusted ?? index
    const job = new BlobJob(digest, store, known != null ? 'index' : 'stream')
    this.jobs.set(digest, job)
    void this.assemble(job, target, known != null ? { index: known, trusted: trusted != null } : undefined, small)
      .then(async () => { await this.judge(digest) })
      .then(() => { job.succeed() }, (err: Error) => { job.fail(err) })
      .finally(() => { this.jobs.delete(digest) })
    return { kind: 'job', job }
  }

  /** A blob this host is streaming from the origin (or trailing a peer that is), for peers that follow it. */
  growing (digest: string): BlobJob | undefined {
    const job = this.jobs.get(digest)
    return job?.kind === 'stream' ? job : undefined
  }

  /** Refuse a blob in quarantine with the reason it is there. */
  async refuseQuarantined (digest: string): Promise<void> {
    const q = await this.components.guard?.quarantined(digest)
    if (q != null) throw new DeniedError(`blob ${digest} is quarantined: ${q.reason}`)
  }

  /** The size of a blob, for HEAD: local index, a running job, the origin, or a peer's index. */
  async size (target: OriginTarget, digest: string, signal?: AbortSignal): Promise<number> {
    await this.refuseQuarantined(digest)
    const index = await this.components.store.getIndex(digest)
    if (index != null) return index.size
    const job = this.jobs.get(digest)
    if (job?.sizeBytes !== undefined) return job.sizeBytes
    const { origin, swarm } = this.components
    let originError: Error | undefined
    if (origin != null && target.host != null) {
      try {
        return (await origin.headBlob(target.host, target.name, digest, { signal })).sizeBytes
      } catch (err) {
        if ((err as Error).name !== 'OriginUnavailableError') throw err
        originError = err as Error
      }
    }
    const found = await swarm.findIndex(digest, { signal, timeoutMs: PEER_INDEX_TIMEOUT_MS })
    if (found != null) return found.index.size
    throw originError ?? new BlobUnknownError(`blob ${digest} is not held by this host or its peers${target.host == null ? ', and the request names no origin' : ''}`)
  }

  /** A whole, verified blob: judged now when the guard gates serving (readers hold their last bytes until then), else scanned in the background. */
  private async judge (digest: string): Promise<void> {
    const { guard } = this.components
    if (guard == null) return
    if (guard.gating) await guard.admit(digest, this.controller.signal)
    else guard.enqueue(digest)
  }

  private async assemble (job: BlobJob, target: OriginTarget, known?: { index: ShardIndex, peer?: string, trusted?: boolean }, small = false): Promise<void> {
    const { swarm, origin, logger } = this.components
    const { digest } = job
    const signal = this.controller.signal
    const host = target.host
    if (small && known == null) {
      try {
        return await this.streamFromOrigin(job, target, { claim: false })
      } catch (err) {
        // Only an unreachable origin sends a small blob to the peers; other errors are the origin's answer.
        if (signal.aborted || (err as Error).name !== 'OriginUnavailableError' || job.refs.length > 0) throw err
        logger.warn({ digest, err: (err as Error).message }, 'origin unreachable for a small blob; asking peers')
      }
    }
    const fromOrigin: OriginSource | undefined = origin != null && host != null
      ? async ({ ref }, { signal }) => await origin.getRange(host, target.name, digest, ref.offset, ref.length, { signal })
      : undefined
    // Another host is streaming it from the origin right now: trail it, shard by shard.
    const streaming = known == null ? swarm.streamingPeer?.(digest) : undefined
    if (streaming != null && swarm.fetchGrowing != null) {
      try {
        const result = await swarm.fetchGrowing(digest, streaming, {
          order: 'sequential',
          signal,
          ...(fromOrigin != null ? { origin: fromOrigin } : {}),
          onRefs: (refs, sizeBytes) => { job.extend(refs, sizeBytes) },
          onShard: (ref, source) => { job.stored(ref, source) }
        })
        logger.debug({ digest, peer: streaming, ms: Math.round(result.ms), bySource: result.bytesBySource }, 'blob assembled while its source streamed it')
        return
      } catch (err) {
        if (signal.aborted || (err as Error).name === 'BlobDigestMismatchError') throw err
        // The source stopped or failed: the origin stream below re-cuts the blob, and the
        // shards already listed must come out the same (BlobJob.append checks).
        logger.warn({ digest, peer: streaming, err: (err as Error).message }, 'could not follow the host streaming this blob; fetching it from the origin')
        return await this.streamFromOrigin(job, target)
      }
    }
    // A host known (by its gossiped claim) to be streaming the blob from the origin, or to have just done so,
    // gives its index without a DHT lookup; else a provider from the DHT.
    const found = known ?? await swarm.followOrigin?.(digest, { signal }) ?? await swarm.findIndex(digest, { signal, timeoutMs: PEER_INDEX_TIMEOUT_MS })
    if (found != null) {
      job.setIndex(found.index.shards, found.index.size)
      try {
        const result = await swarm.fetch(digest, {
          index: found.index,
          ...('trusted' in found && found.trusted === true ? { trusted: true } : {}),
          ...(found.peer != null ? { providers: [found.peer] } : {}),
          order: 'sequential',
          signal,
          ...(fromOrigin != null ? { origin: fromOrigin } : {}),
          onShard: (ref, source) => { job.stored(ref, source) }
        })
        logger.debug({ digest, ms: Math.round(result.ms), bySource: result.bytesBySource }, 'blob assembled')
      } catch (err) {
        if ((err as Error).name === 'BlobDigestMismatchError' && found.peer != null) swarm.penalise(found.peer, `its shard index of ${digest} does not match the blob`)
        throw err
      }
      return
    }
    await this.streamFromOrigin(job, target)
  }

  /** Nobody has it: stream it from the origin, cutting and storing shards as they pass. */
  private async streamFromOrigin (job: BlobJob, target: OriginTarget, options: { claim?: boolean } = {}): Promise<void> {
    const claim = options.claim !== false
    const { swarm, origin, store, logger } = this.components
    const { digest } = job
    const signal = this.controller.signal
    if (origin == null || target.host == null) {
      throw new BlobUnknownError(`blob ${digest} is not held by this host or its peers${target.host == null ? ', and the request names no origin (containerd adds ?ns=HOST; or set the daemon\'s default origin)' : ''}`)
    }
    if (claim) swarm.claimOrigin?.(digest, false)
    const { sizeBytes, body } = await origin.getBlob(target.host, target.name, digest, { signal })
    job.setSize(sizeBytes)
    const index = await store.addBlob(body, {
      expectedDigest: digest,
      signal,
      ...(this.components.hasher != null ? { hasher: this.components.hasher } : {}),
      onShard: ref => {
        job.append(ref, 'origin')
        swarm.provide(ref.cid, 'low')
      }
    })
    if (index.size !== sizeBytes) logger.warn({ digest, declared: sizeBytes, got: index.size }, 'origin declared a different blob size')
    swarm.provide(digestToCid(digest))
    if (claim) swarm.claimOrigin?.(digest, true)
  }

  /** Stream a blob (or a range of it) in order, each piece tagged with where it came from. */
  async * read (opened: OpenedBlob, digest: string, options: { offset: number, length: number, signal?: AbortSignal }): AsyncGenerator<BlobChunk> {
    const { offset, length, signal } = options
    if (opened.kind === 'local') {
      for await (const bytes of this.components.store.readBlob(digest, { offset, length, signal })) yield { bytes, source: 'local' }
      return
    }
    const { job } = opened
    const end = offset + length
    for (let i = 0; ; i++) {
      const ref = await job.shard(i, signal)
      if (ref == null) break
      const shardEnd = ref.offset + ref.length
      if (shardEnd <= offset) continue
      if (ref.offset >= end) break
      // Verified against its CID on arrival (or cut and hashed here from the origin
      // stream); the digest check of the whole blob below covers the disk since.
      const bytes = await this.components.store.get(ref.cid, { signal, verify: false })
      const piece = bytes.subarray(Math.max(offset - ref.offset, 0), Math.min(end, shardEnd) - ref.offset)
      // The last piece waits for the digest check (and the guard's verdict): a failed blob never reaches the client whole.
      if (shardEnd >= end) await raceAbort(job.done, signal)
      yield { bytes: piece, source: job.sourceOf.get(ref.cid.toString()) ?? 'local' }
    }
  }
}
