/**
 * The serving side of the exchange: answers shard, have and index requests
 * out of the local store, within per-peer limits. Every request is one
 * stream: a length-prefixed request, a length-prefixed response header and,
 * for shards, the raw bytes.
 */
import { pbStream, type ProtobufStream } from '@libp2p/utils'
import { CID } from 'multiformats/cid'
import type { Connection, Stream } from '@libp2p/interface'
import type { Logger } from 'pino'
import { isDigest } from '../shard/cid.js'
import { encodeIndex } from '../shard/index-codec.js'
import type { ShardRef } from '../shard/types.js'
import type { ShardStore } from '../store/index.js'
import {
  HANDOFF_MAX_ENTRIES, HANDOFF_WINDOW_MS, HAVE_PROTOCOL, INCOMING_WAIT_MS, INDEX_PROTOCOL, MAX_PARTIAL_SHARDS, MAX_PARTIAL_WAIT_MS, MAX_REQUEST_BYTES, REQUEST_TIMEOUT_MS, SERVE_BYTES_PER_PEER,
  SERVE_STREAMS_PER_PEER, SERVE_STREAMS_TOTAL, SHARD_PROTOCOL, STREAM_IDLE_TIMEOUT_MS, WRITE_CHUNK_BYTES
} from './constants.js'
import { Handoff } from './handoff.js'
import type { Incoming } from './incoming.js'
import { PeerLimiter } from './limiter.js'
import { HaveRequest, HaveResponse, IndexRequest, IndexResponse, type PartialShard, ShardRequest, ShardResponse, Status } from './messages.js'
import type { TrafficCounter } from './traffic.js'

export interface ExchangeServerComponents {
  /** Is there an open connection to this peer? (for hand-offs) */
  isConnected?: (peer: string) => boolean
  /** A peer's region, when known: hand-offs prefer a recipient in the requester's region. */
  regionOf?: (peer: string) => string | undefined
  registrar: {
    handle(protocol: string, handler: (stream: Stream, connection: Connection) => void | Promise<void>, options?: { maxInboundStreams?: number }): Promise<void>
    unhandle(protocol: string): Promise<void>
  }
  store: ShardStore
  logger: Logger
  traffic: TrafficCounter
  /** Shards this node is receiving: a request for one waits for it instead of NOT_FOUND. */
  incoming?: Incoming
  /** A blob this node is still streaming in (from the origin), for partial-index requests. */
  growing?: (digest: string) => GrowingBlob | undefined
}

/** A blob whose shards are being cut and stored now, its index not yet whole. */
export interface GrowingBlob {
  /** Shards cut so far, in blob order (a shard may be listed before it is stored). */
  readonly refs: readonly ShardRef[]
  /** The size the origin declared, once known. */
  readonly sizeBytes: number | undefined
  /** Resolves when `refs` grow, a shard is stored or the blob settles, or after `ms`. */
  changed: (ms: number) => Promise<void>
}

export interface ExchangeServerInit {
  /** Refuses to serve a blob or shard (quarantine). Returns a reason, or undefined to allow. */
  deny?: (what: { digest?: string, cid?: CID }) => string | undefined
  streamsPerPeer?: number
  bytesPerPeer?: number
  streamsTotal?: number
  /** Send a peer to the one that just received a shard, instead of sending it again. @default true */
  handoff?: boolean
  /** @default HANDOFF_WINDOW_MS */
  handoffWindowMs?: number
}

export class ExchangeServer {
  private readonly limiter: PeerLimiter
  private readonly handoff: Handoff | undefined
  private started = false
  served = { shards: 0, bytes: 0, busy: 0, notFound: 0, badRequests: 0, handedOff: 0 }
  /** performance.now() when the last shard send ended, or -Infinity. */
  lastServedMs = -Infinity

  constructor (private readonly components: ExchangeServerComponents, private readonly init: ExchangeServerInit = {}) {
    this.limiter = new PeerLimiter({
      streamsPerPeer: init.streamsPerPeer ?? SERVE_STREAMS_PER_PEER,
      bytesPerPeer: init.bytesPerPeer ?? SERVE_BYTES_PER_PEER,
      streamsTotal: init.streamsTotal ?? SERVE_STREAMS_TOTAL
    })
    const isConnected = components.isConnected
    if (init.handoff !== false && isConnected != null) {
      this.handoff = new Handoff({ windowMs: init.handoffWindowMs ?? HANDOFF_WINDOW_MS, maxEntries: HANDOFF_MAX_ENTRIES, isConnected, ...(components.regionOf != null ? { regionOf: components.regionOf } : {}) })
    }
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    const { registrar } = this.components
    const limit = { maxInboundStreams: (this.init.streamsPerPeer ?? SERVE_STREAMS_PER_PEER) * 4 }
    await registrar.handle(SHARD_PROTOCOL, (s, c) => this.guard(s, c, this.serveShard), limit)
    await registrar.handle(HAVE_PROTOCOL, (s, c) => this.guard(s, c, this.serveHave), limit)
    await registrar.handle(INDEX_PROTOCOL, (s, c) => this.guard(s, c, this.serveIndex), limit)
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    const { registrar } = this.components
    await Promise.all([SHARD_PROTOCOL, HAVE_PROTOCOL, INDEX_PROTOCOL].map(async p => registrar.unhandle(p)))
  }

  private async guard (stream: Stream, connection: Connection, fn: (stream: Stream, peer: string) => Promise<void>): Promise<void> {
    const peer = connection.remotePeer.toString()
    try {
      await fn.call(this, stream, peer)
    } catch (err) {
      this.components.logger.debug({ peer, protocol: stream.protocol, err: (err as Error).message }, 'exchange request failed')
      stream.abort(err as Error)
    }
  }

  /**
   * A shard stream carries one request after another (never two at once): the
   * asking side keeps idle streams and reuses them, since opening a stream
   * costs several milliseconds. The stream ends when the peer closes it, or
   * after STREAM_IDLE_TIMEOUT_MS without a request.
   */
  private async serveShard (stream: Stream, peer: string): Promise<void> {
    for (let n = 0; ; n++) {
      const pb = pbStream(stream, { maxDataLength: MAX_REQUEST_BYTES })
      let req: ShardRequest
      try {
        req = await pb.read(ShardRequest, { signal: AbortSignal.timeout(n === 0 ? REQUEST_TIMEOUT_MS : STREAM_IDLE_TIMEOUT_MS) })
      } catch (err) {
        if (n === 0 || stream.status !== 'open' || (err as Error).name === 'InvalidDataLengthError') throw err
        await stream.close().catch(() => {})
        return
      }
      await this.serveShardRequest(pb, req, peer)
    }
  }

  private async serveShardRequest (pb: ProtobufStream<Stream>, req: ShardRequest, peer: string): Promise<void> {
    const reply = async (status: Status, error = '', holder = ''): Promise<void> => {
      await pb.write({ status, length: 0n, error, holder }, ShardResponse)
    }
    let cid: CID
    try {
      cid = CID.decode(req.cid)
    } catch (err) {
      this.served.badRequests++
      await reply(Status.BAD_REQUEST, `not a CID: ${(err as Error).message}`); return
    }
    let info = this.components.store.shardInfo(cid)
    if (info == null && this.components.incoming?.has(cid.toString()) === true) {
      if (await this.components.incoming.wait(cid.toString(), INCOMING_WAIT_MS)) info = this.components.store.shardInfo(cid)
    }
    if (info == null) { this.served.notFound++; await reply(Status.NOT_FOUND); return }
    const denied = this.init.deny?.({ cid })
    if (denied != null) { await reply(Status.DENIED, denied); return }
    const elsewhere = this.handoff?.redirect(cid.toString(), peer)
    if (elsewhere != null) { this.served.handedOff++; await reply(Status.ELSEWHERE, '', elsewhere); return }
    if (!this.limiter.tryAcquire(peer, info.sizeBytes)) { this.served.busy++; await reply(Status.BUSY, 'per-peer limit reached'); return }
    try {
      let bytes: Uint8Array
      try {
        bytes = await this.components.store.get(cid)
      } catch (err) {
        // Removed or found corrupt since shardInfo: the store has dropped it.
        await reply(Status.NOT_FOUND, (err as Error).message); return
      }
      // From now on, others asking for this shard are sent to this peer: concurrent
      // fetchers that pick the same shard would otherwise each get it from here.
      this.handoff?.recordSent(cid.toString(), peer)
      await pb.write({ status: Status.OK, length: BigInt(bytes.byteLength), error: '', holder: '' }, ShardResponse)
      const raw = pb.unwrap()
      for (let off = 0; off < bytes.byteLength; off += WRITE_CHUNK_BYTES) {
        if (!raw.send(bytes.subarray(off, off + WRITE_CHUNK_BYTES))) await raw.onDrain({ signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS * 3) })
      }
      this.served.shards++
      this.served.bytes += bytes.byteLength
      this.lastServedMs = performance.now()
      this.components.traffic.sent(peer, bytes.byteLength)
    } finally {
      this.limiter.release(peer, info.sizeBytes)
    }
  }

  private async serveHave (stream: Stream): Promise<void> {
    const pb = pbStream(stream, { maxDataLength: MAX_REQUEST_BYTES })
    const req = await pb.read(HaveRequest, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
    const empty = { indexCid: new Uint8Array(), shardCount: 0, bitmap: new Uint8Array(), error: '' }
    if (!isDigest(req.digest)) {
      await pb.write({ ...empty, status: Status.BAD_REQUEST, error: 'digest must be sha256:<64 hex>' }, HaveResponse)
    } else if (this.init.deny?.({ digest: req.digest }) != null) {
      await pb.write({ ...empty, status: Status.DENIED, error: this.init.deny({ digest: req.digest }) ?? '' }, HaveResponse)
    } else {
      // Asked every few hundred ms by every fetcher: one store lookup, not an index read and then a have-map.
      const have = await this.components.store.haveMap(req.digest).catch((err: Error) => {
        if (err.name === 'BlobNotFoundError') return undefined
        throw err
      })
      if (have == null) await pb.write({ ...empty, status: Status.NOT_FOUND }, HaveResponse)
      else await pb.write({ status: Status.OK, indexCid: have.indexCid.bytes, shardCount: have.shards, bitmap: new Uint8Array(have.bitmap), error: '' }, HaveResponse)
    }
    await stream.close()
  }

  private async serveIndex (stream: Stream): Promise<void> {
    const pb = pbStream(stream, { maxDataLength: MAX_REQUEST_BYTES })
    const req = await pb.read(IndexRequest, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
    const none = { index: new Uint8Array(), error: '', size: 0n, shards: [] }
    if (!isDigest(req.digest)) {
      await pb.write({ ...none, status: Status.BAD_REQUEST, error: 'digest must be sha256:<64 hex>' }, IndexResponse)
    } else if (this.init.deny?.({ digest: req.digest }) != null) {
      await pb.write({ ...none, status: Status.DENIED, error: this.init.deny({ digest: req.digest }) ?? '' }, IndexResponse)
    } else if (req.partial === true) {
      await pb.write(await this.partialIndex(req.digest, req.from ?? 0, req.waitMs ?? 0), IndexResponse)
    } else {
      const index = await this.components.store.getIndex(req.digest)
      if (index == null) await pb.write({ ...none, status: Status.NOT_FOUND }, IndexResponse)
      else await pb.write({ ...none, status: Status.OK, index: encodeIndex(index) }, IndexResponse)
    }
    await stream.close()
  }

  /**
   * The shards of a blob still streaming in, from position `from`: held
   * until at least one is stored there (at most `waitMs`, capped), so a
   * follower learns of each shard about one round trip after it is cut.
   * Only the stored prefix is listed: every listed shard can be served.
   */
  private async partialIndex (digest: string, from: number, waitMs: number): Promise<IndexResponse> {
    const { store, growing } = this.components
    const none = { index: new Uint8Array(), error: '', size: 0n, shards: [] }
    const deadline = performance.now() + Math.min(waitMs, MAX_PARTIAL_WAIT_MS)
    for (;;) {
      const index = await store.getIndex(digest)
      if (index != null) return { ...none, status: Status.OK, index: encodeIndex(index) }
      const blob = growing?.(digest)
      if (blob == null) return { ...none, status: Status.NOT_FOUND }
      const shards: PartialShard[] = []
      for (let i = from; i < blob.refs.length && shards.length < MAX_PARTIAL_SHARDS; i++) {
        const ref = blob.refs[i]!
        if (!store.hasSync(ref.cid)) break
        shards.push({ cid: new Uint8Array(ref.cid.bytes), length: ref.length })
      }
      const left = deadline - performance.now()
      if (shards.length > 0 || left <= 0) return { ...none, status: Status.OK, size: BigInt(blob.sizeBytes ?? 0), shards }
      await blob.changed(left)
    }
  }
}
