/**
 * The asking side of the exchange: one stream per request. Shard bodies are
 * hashed as they arrive and checked against the CID before they are
 * returned; a transfer that stops making progress is abandoned.
 */
import { createHash } from 'node:crypto'
import { pbStream } from '@libp2p/utils'
import { CID } from 'multiformats/cid'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { cidFromSha256, SHA256_CODE } from '../shard/cid.js'
import { decodeIndex } from '../shard/index-codec.js'
import type { ShardIndex } from '../shard/types.js'
import {
  HAVE_PROTOCOL, INDEX_PROTOCOL, MAX_HAVE_BYTES, MAX_HEADER_BYTES, MAX_INDEX_BYTES, MAX_PARTIAL_SHARDS, MAX_SHARD_BYTES,
  IDLE_STREAM_MAX_AGE_MS, IDLE_STREAMS_PER_PEER, RESPONSE_TIMEOUT_MS, SHARD_PROTOCOL, STALL_TIMEOUT_MS
} from './constants.js'
import { PeerStatusError, ProtocolError, ShardMismatchError, StallError, TruncatedError } from './errors.js'
import { HaveRequest, HaveResponse, IndexRequest, IndexResponse, ShardRequest, ShardResponse, Status } from './messages.js'
import type { PeerStats } from './peer-stats.js'
import type { TrafficCounter } from './traffic.js'

/** What the client needs of the libp2p node. */
export interface Dialer {
  getConnections(peer?: PeerId): Connection[]
  dial(peer: PeerId, options?: { signal?: AbortSignal }): Promise<Connection>
}

export interface ExchangeClientComponents {
  dialer: Dialer
  stats: PeerStats
  traffic: TrafficCounter
}

export interface ShardResult {
  bytes: Uint8Array
  ms: number
}

export interface RemoteHave {
  indexCid: CID
  shards: number
  bitmap: Uint8Array
}

/** A peer's answer to a partial-index request: the whole index, or the next shards of a blob still arriving. */
export type IndexTail =
  | { kind: 'whole', index: ShardIndex }
  | { kind: 'partial', sizeBytes: number, shards: Array<{ cid: CID, length: number }> }

export interface ExchangeClientInit {
  responseTimeoutMs?: number
  stallTimeoutMs?: number
}

export class ExchangeClient {
  /** Idle shard streams per peer, for reuse (see the server's serveShard). */
  private readonly idle = new Map<string, Array<{ stream: Stream, sinceMs: number }>>()

  constructor (private readonly components: ExchangeClientComponents, private readonly init: ExchangeClientInit = {}) {}

  /** Fetch one shard and verify it against `cid`. Throws ShardMismatchError for bytes that do not match. */
  async getShard (peer: PeerId, cid: CID, expectedLength: number, options: { signal?: AbortSignal } = {}): Promise<ShardResult> {
    const idle = this.takeIdle(peer)
    if (idle != null) {
      try {
        return await this.getShardOn(idle, peer, cid, expectedLength, options)
      } catch (err) {
        // A reused stream the peer had already closed fails before any header: not the peer's fault.
        if (options.signal?.aborted === true || (err as { headerReceived?: boolean }).headerReceived === true) throw err
      }
    }
    return await this.getShardOn(await this.open(peer, SHARD_PROTOCOL, options.signal), peer, cid, expectedLength, options)
  }

  private takeIdle (peer: PeerId): Stream | undefined {
    const list = this.idle.get(peer.toString())
    const now = performance.now()
    while (list != null && list.length > 0) {
      const { stream, sinceMs } = list.pop()!
      if (stream.status === 'open' && stream.writeStatus === 'writable' && now - sinceMs < IDLE_STREAM_MAX_AGE_MS) return stream
      stream.abort(new Error('idle shard stream discarded'))
    }
    return undefined
  }

  private release (peer: PeerId, stream: Stream): void {
    const key = peer.toString()
    let list = this.idle.get(key)
    if (list == null) { list = []; this.idle.set(key, list) }
    if (list.length >= IDLE_STREAMS_PER_PEER || stream.status !== 'open') { void stream.close().catch(() => {}); return }
    list.push({ stream, sinceMs: performance.now() })
  }

  private async getShardOn (stream: Stream, peer: PeerId, cid: CID, expectedLength: number, options: { signal?: AbortSignal }): Promise<ShardResult> {
    const key = peer.toString()
    const started = performance.now()
    let headerReceived = false
    const controller = new AbortController()
    const signal = options.signal != null ? AbortSignal.any([options.signal, controller.signal]) : controller.signal
    try {
      const pb = pbStream(stream, { maxDataLength: MAX_HEADER_BYTES })
      await pb.write({ cid: cid.bytes }, ShardRequest, { signal })
      const header = await pb.read(ShardResponse, { signal: AbortSignal.any([signal, AbortSignal.timeout(this.init.responseTimeoutMs ?? RESPONSE_TIMEOUT_MS)]) })
      headerReceived = true
      const headerMs = performance.now() - started
      this.components.stats.recordRtt(key, headerMs)
      if (header.status !== Status.OK) {
        const holder = header.status === Status.ELSEWHERE && header.holder !== '' ? header.holder : undefined
        throw new PeerStatusError(`peer ${key} answered ${header.status} for shard ${cid}${header.error !== '' ? `: ${header.error}` : ''}${holder != null ? ` (ask ${holder})` : ''}`, header.status, holder)
      }
      const length = Number(header.length)
      if (length > MAX_SHARD_BYTES) throw new ProtocolError(`peer ${key} announced a ${length}-byte shard; the limit is ${MAX_SHARD_BYTES}`)
      if (length !== expectedLength) throw new ShardMismatchError(`peer ${key} announced ${length} bytes for shard ${cid}, the index says ${expectedLength}`)
      const raw = pb.unwrap()
      const body = Buffer.allocUnsafe(length)
      const hash = createHash('sha256')
      let got = 0
      let lastProgress = performance.now()
      const stallMs = this.init.stallTimeoutMs ?? STALL_TIMEOUT_MS
      const watchdog = setInterval(() => {
        if (performance.now() - lastProgress > stallMs) controller.abort(new StallError(`peer ${key} sent nothing for ${stallMs} ms (${got}/${length} bytes of ${cid})`))
      }, Math.max(50, stallMs / 4))
      const bodyStarted = performance.now()
      try {
        const onAbort = (): void => { raw.abort(signal.reason as Error) }
        signal.addEventListener('abort', onAbort, { once: true })
        try {
          for await (const chunk of raw) {
            const bufs = chunk instanceof Uint8Array ? [chunk] : [...chunk]
            for (const b of bufs) {
              if (got + b.byteLength > length) throw new ProtocolError(`peer ${key} sent more than the ${length} bytes it announced for ${cid}`)
              body.set(b, got)
              hash.update(b)
              got += b.byteLength
            }
            lastProgress = performance.now()
            if (got === length) break
          }
        } finally {
          signal.removeEventListener('abort', onAbort)
        }
      } finally {
        clearInterval(watchdog)
      }
      if (signal.aborted) throw signal.reason
      if (got < length) throw new TruncatedError(`peer ${key} closed the stream after ${got} of ${length} bytes of ${cid}`)
      this.components.traffic.received(key, got)
      if (!cidFromSha256(hash.digest()).equals(cid)) throw new ShardMismatchError(`peer ${key} sent bytes for ${cid} that hash to something else`)
      const ms = performance.now() - started
      this.components.stats.recordTransfer(key, length, performance.now() - bodyStarted + headerMs / 2)
      this.release(peer, raw)
      return { bytes: body, ms }
    } catch (err) {
      // A status answer leaves the stream clean for the next request; anything else does not.
      if ((err as Error).name === 'PeerStatusError') this.release(peer, stream)
      else stream.abort(err as Error)
      throw Object.assign(err as Error, { headerReceived })
    }
  }

  /** The peer's have-map of a blob, or undefined when it holds no index for it. */
  async getHave (peer: PeerId, digest: string, options: { signal?: AbortSignal } = {}): Promise<RemoteHave | undefined> {
    const started = performance.now()
    const res = await this.request(peer, HAVE_PROTOCOL, { digest }, HaveRequest, HaveResponse, MAX_HAVE_BYTES, options.signal)
    this.components.stats.recordRtt(peer.toString(), performance.now() - started)
    if (res.status === Status.NOT_FOUND) return undefined
    if (res.status !== Status.OK) throw new PeerStatusError(`peer ${peer} answered ${res.status} for the have-map of ${digest}: ${res.error}`, res.status)
    if (res.bitmap.byteLength !== Math.ceil(res.shardCount / 8)) throw new ProtocolError(`peer ${peer} sent a ${res.bitmap.byteLength}-byte bitmap for ${res.shardCount} shards`)
    let indexCid: CID
    try { indexCid = CID.decode(res.indexCid) } catch { throw new ProtocolError(`peer ${peer} sent a have-map with an invalid index CID`) }
    return { indexCid, shards: res.shardCount, bitmap: res.bitmap }
  }

  /** The peer's shard index of a blob (validated, not yet trusted), or undefined when it has none. */
  async getIndex (peer: PeerId, digest: string, options: { signal?: AbortSignal } = {}): Promise<ShardIndex | undefined> {
    const res = await this.request(peer, INDEX_PROTOCOL, { digest }, IndexRequest, IndexResponse, MAX_INDEX_BYTES + MAX_HEADER_BYTES, options.signal)
    if (res.status === Status.NOT_FOUND) return undefined
    if (res.status !== Status.OK) throw new PeerStatusError(`peer ${peer} answered ${res.status} for the index of ${digest}: ${res.error}`, res.status)
    const index = decodeIndex(res.index)
    if (index.digest !== digest) throw new ProtocolError(`peer ${peer} sent the index of ${index.digest} when asked for ${digest}`)
    return index
  }

  /**
   * The shards of a blob the peer is still streaming in, from position
   * `from` on (the peer holds the request up to `waitMs` for a new one), or
   * its whole index once it has one; undefined when it has neither. Checked
   * for form only: the shards are verified as they arrive, and the blob
   * against its digest at the end.
   */
  async getIndexTail (peer: PeerId, digest: string, from: number, waitMs: number, options: { signal?: AbortSignal } = {}): Promise<IndexTail | undefined> {
    const res = await this.request(peer, INDEX_PROTOCOL, { digest, partial: true, from, waitMs }, IndexRequest, IndexResponse, MAX_INDEX_BYTES + MAX_HEADER_BYTES, options.signal, waitMs)
    if (res.status === Status.NOT_FOUND) return undefined
    if (res.status !== Status.OK) throw new PeerStatusError(`peer ${peer} answered ${res.status} for the partial index of ${digest}: ${res.error}`, res.status)
    if (res.index.byteLength > 0) {
      const index = decodeIndex(res.index)
      if (index.digest !== digest) throw new ProtocolError(`peer ${peer} sent the index of ${index.digest} when asked for ${digest}`)
      return { kind: 'whole', index }
    }
    if (res.shards.length > MAX_PARTIAL_SHARDS) throw new ProtocolError(`peer ${peer} listed ${res.shards.length} shards of ${digest} in one answer; the limit is ${MAX_PARTIAL_SHARDS}`)
    const sizeBytes = Number(res.size)
    if (!Number.isSafeInteger(sizeBytes)) throw new ProtocolError(`peer ${peer} declared a size of ${res.size} bytes for ${digest}`)
    const shards = res.shards.map((s, i) => {
      let cid: CID
      try { cid = CID.decode(s.cid) } catch { throw new ProtocolError(`peer ${peer} listed shard ${from + i} of ${digest} with an invalid CID`) }
      if (cid.version !== 1 || cid.code !== 0x55 || cid.multihash.code !== SHA256_CODE) throw new ProtocolError(`peer ${peer} listed shard ${from + i} of ${digest} as ${cid.toString()}, not a raw sha2-256 CID`)
      if (!(s.length >= 1 && s.length <= MAX_SHARD_BYTES)) throw new ProtocolError(`peer ${peer} listed shard ${from + i} of ${digest} with ${s.length} bytes; shards are 1 to ${MAX_SHARD_BYTES}`)
      return { cid, length: s.length }
    })
    return { kind: 'partial', sizeBytes, shards }
  }

  /**
   * A new stream on an open connection to the peer (dialling one only when
   * there is none). Going through `dialProtocol` would consult the peer store
   * on every request, which costs more CPU than the request itself. The
   * protocol is selected optimistically (`negotiateFully: false`): the request
   * travels with the protocol id, saving a round trip per request.
   */
  private async open (peer: PeerId, protocol: string, signal?: AbortSignal): Promise<Stream> {
    const timeout = AbortSignal.timeout(this.init.responseTimeoutMs ?? RESPONSE_TIMEOUT_MS)
    const s = signal != null ? AbortSignal.any([signal, timeout]) : timeout
    const { dialer } = this.components
    const connection = dialer.getConnections(peer).find(c => c.status === 'open') ?? await dialer.dial(peer, { signal: s })
    return await connection.newStream(protocol, { signal: s, negotiateFully: false })
  }

  /** One request and its answer; `holdMs`: how long the peer may hold the answer back on purpose, on top of the response timeout. */
  private async request<Req, Res> (peer: PeerId, protocol: string, req: Req, reqCodec: { encode(r: Req): Uint8Array }, resCodec: { decode(b: Uint8Array | import('uint8arraylist').Uint8ArrayList): Res }, maxBytes: number, signal?: AbortSignal, holdMs = 0): Promise<Res> {
    const stream = await this.open(peer, protocol, signal)
    const timeout = AbortSignal.timeout((this.init.responseTimeoutMs ?? RESPONSE_TIMEOUT_MS) + holdMs)
    const s = signal != null ? AbortSignal.any([signal, timeout]) : timeout
    try {
      const pb = pbStream(stream, { maxDataLength: maxBytes })
      await pb.write(req, reqCodec, { signal: s })
      const res = await pb.read(resCodec, { signal: s })
      await stream.close({ signal: s }).catch(() => {})
      return res
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }
}
