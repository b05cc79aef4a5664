/**
 * An in-memory `DaemonApi` for admin server and CLI tests: blobs live in a
 * Map, shards are fixed-size slices with made-up ids, and hooks let a test
 * hold a call open, watch it be aborted, or serve lies.
 */
import { createHash } from 'node:crypto'
import type { AddResult, BlobRow, DaemonApi, DaemonStatus, PeerRow, ShardRow, UsageEvent } from '../../src/daemon/api.js'
import type { FetchResult } from '../../src/exchange/index.js'
import { FetchFailedError } from '../../src/exchange/errors.js'
import { InvalidDigestError, isDigest } from '../../src/shard/cid.js'
import { BlobDigestMismatchError, BlobNotFoundError, InvalidRangeError, StoreFullError } from '../../src/store/errors.js'

export const FAKE_PEER = '12D3KooWFakePeer1111111111111111111111111111111111'
export const REMOTE_PEER = '12D3KooWRemotePeer22222222222222222222222222222222'
/** Bytes per shard in the fake's shard listing. */
export const FAKE_SHARD_BYTES = 4

export function sha256Digest (bytes: Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex')
}

export interface FakeHooks {
  /** Runs at the start of `fetch`; may wait (on the signal, say) or throw. */
  beforeFetch?: (digest: string, signal: AbortSignal | undefined) => Promise<void>
  /** Runs at the start of `status`. */
  beforeStatus?: () => Promise<void>
  /** Thrown by `read` after its first chunk. */
  failReadAfterFirstChunk?: Error
}

export class FakeDaemon implements DaemonApi {
  /** Blobs held locally. */
  readonly local = new Map<string, Uint8Array>()
  /** Blobs that `fetch` can get "from a peer". */
  readonly remote = new Map<string, Uint8Array>()
  readonly hooks: FakeHooks = {}
  capacityBytes = Infinity
  /** Chunk size of `read`, small so that streaming is exercised. */
  readChunkBytes = 1000
  readonly calls: string[] = []
  /** What `usage` serves, filtered and cut like the real log (by time, newest last). */
  readonly usageEvents: UsageEvent[] = []

  async status (): Promise<DaemonStatus> {
    this.calls.push('status')
    await this.hooks.beforeStatus?.()
    const used = [...this.local.values()].reduce((n, b) => n + b.byteLength, 0)
    return {
      peerId: FAKE_PEER,
      region: 'eu-west',
      listen: ['/ip4/127.0.0.1/tcp/4001'],
      mirror: 'http://127.0.0.1:5050',
      connections: 1,
      store: { shards: this.shardCount(), usedBytes: used, capacityBytes: Number.isFinite(this.capacityBytes) ? this.capacityBytes : null, blobs: this.local.size },
      routing: { queued: 0, provided: 3, failed: 0 },
      served: { shards: 2, bytes: 2048, busy: 0 },
      uptimeMs: 65_000
    }
  }

  async peers (): Promise<PeerRow[]> {
    this.calls.push('peers')
    return [{ peerId: REMOTE_PEER, region: 'eu-west', addresses: ['/ip4/10.0.0.2/tcp/4001'], rttMs: 1.5, sentBytes: 1024, receivedBytes: 3 * 1024 * 1024, connected: true, penalty: 0 }]
  }

  async blobs (): Promise<BlobRow[]> {
    this.calls.push('blobs')
    return [...this.local].map(([digest, bytes]) => {
      const shards = Math.ceil(bytes.byteLength / FAKE_SHARD_BYTES)
      return { digest, sizeBytes: bytes.byteLength, shards, heldShards: shards, complete: true, indexCid: 'bafyindex' + digest.slice(7, 15) }
    })
  }

  async shards (options: { layer?: string, providers?: boolean, signal?: AbortSignal }): Promise<ShardRow[]> {
    this.calls.push(`shards ${options.layer ?? '-'} ${String(options.providers ?? false)}`)
    const list = options.layer != null ? [[options.layer, this.local.get(options.layer)] as const] : [...this.local]
    const rows: ShardRow[] = []
    for (const [digest, bytes] of list) {
      if (bytes == null) throw new BlobNotFoundError(digest)
      for (let i = 0, off = 0; off < bytes.byteLength; i++, off += FAKE_SHARD_BYTES) {
        rows.push({
          cid: `bafkfake${digest.slice(7, 15)}${i}`,
          sizeBytes: Math.min(FAKE_SHARD_BYTES, bytes.byteLength - off),
          held: true,
          ...(options.layer != null ? { layer: digest, position: i } : {}),
          ...(options.providers === true ? { providers: [FAKE_PEER] } : {})
        })
      }
    }
    return rows
  }

  async add (source: AsyncIterable<Uint8Array>, options: { expectedDigest?: string, signal?: AbortSignal }): Promise<AddResult> {
    this.calls.push('add')
    const chunks: Uint8Array[] = []
    let size = 0
    for await (const chunk of source) {
      options.signal?.throwIfAborted()
      size += chunk.byteLength
      if (this.usedBytes() + size > this.capacityBytes) throw new StoreFullError(size, this.usedBytes(), this.capacityBytes)
      chunks.push(chunk)
    }
    const bytes = Buffer.concat(chunks)
    const digest = sha256Digest(bytes)
    if (options.expectedDigest != null && options.expectedDigest !== digest) throw new BlobDigestMismatchError(options.expectedDigest, digest)
    this.local.set(digest, bytes)
    return { digest, sizeBytes: bytes.byteLength, shards: Math.ceil(bytes.byteLength / FAKE_SHARD_BYTES), indexCid: 'bafyindex' + digest.slice(7, 15) }
  }

  async fetch (digest: string, options: { signal?: AbortSignal }): Promise<FetchResult> {
    this.calls.push(`fetch ${digest}`)
    if (!isDigest(digest)) throw new InvalidDigestError(`not a sha256 digest: ${digest}`)
    await this.hooks.beforeFetch?.(digest, options.signal)
    const held = this.local.get(digest)
    if (held != null) {
      return { digest, sizeBytes: held.byteLength, ms: 1, bytesBySource: { local: held.byteLength, peer: 0, origin: 0 }, bytesByPeer: {}, hedged: 0, retries: 0, handedOff: 0 }
    }
    const bytes = this.remote.get(digest)
    if (bytes == null) throw new FetchFailedError(`no shard index for ${digest}: no provider has one and there is no origin`)
    this.local.set(digest, bytes)
    return { digest, sizeBytes: bytes.byteLength, ms: 12, bytesBySource: { local: 0, peer: bytes.byteLength, origin: 0 }, bytesByPeer: { [REMOTE_PEER]: bytes.byteLength }, hedged: 0, retries: 0, handedOff: 0 }
  }

  read (digest: string, options: { offset?: number, length?: number, signal?: AbortSignal }): AsyncIterable<Uint8Array> {
    this.calls.push(`read ${digest} ${options.offset ?? '-'} ${options.length ?? '-'}`)
    if (!isDigest(digest)) throw new InvalidDigestError(`not a sha256 digest: ${digest}`)
    return this.readBlob(digest, options)
  }

  private async * readBlob (digest: string, options: { offset?: number, length?: number, signal?: AbortSignal }): AsyncGenerator<Uint8Array> {
    const bytes = this.local.get(digest)
    if (bytes == null) throw new BlobNotFoundError(digest)
    const offset = options.offset ?? 0
    const length = options.length ?? bytes.byteLength - offset
    if (offset < 0 || length < 0 || offset + length > bytes.byteLength) throw new InvalidRangeError(digest, offset, length, bytes.byteLength)
    for (let at = offset, first = true; at < offset + length; at += this.readChunkBytes, first = false) {
      options.signal?.throwIfAborted()
      if (!first && this.hooks.failReadAfterFirstChunk != null) throw this.hooks.failReadAfterFirstChunk
      yield bytes.subarray(at, Math.min(at + this.readChunkBytes, offset + length))
    }
  }

  async metrics (): Promise<string> {
    return `# TYPE shoal_blobs gauge\nshoal_blobs ${this.local.size}\n`
  }

  async usage (options: { limit?: number, sinceMs?: number, signal?: AbortSignal }): Promise<UsageEvent[]> {
    this.calls.push(`usage ${options.limit ?? '-'} ${options.sinceMs ?? '-'}`)
    const since = options.sinceMs ?? 0
    return this.usageEvents.filter(e => e.timeMs >= since).sort((a, b) => a.timeMs - b.timeMs).slice(-(options.limit ?? 100))
  }

  /** Store bytes under a digest they do not hash to: a daemon that lies. */
  plant (digest: string, bytes: Uint8Array): void {
    this.local.set(digest, bytes)
  }

  private usedBytes (): number {
    return [...this.local.values()].reduce((n, b) => n + b.byteLength, 0)
  }

  private shardCount (): number {
    return [...this.local.values()].reduce((n, b) => n + Math.ceil(b.byteLength / FAKE_SHARD_BYTES), 0)
  }
}
