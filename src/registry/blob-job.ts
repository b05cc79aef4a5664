/**
 * One blob being assembled for the mirror, shared by every client that asks
 * for it meanwhile. Its shards become readable one by one, in any order (from
 * peers, the origin by range, or cut from an origin stream); readers stream
 * them in blob order as each is stored, so the first byte leaves long before
 * the last shard arrives. `done` settles once the whole blob has been checked
 * against its digest; a reader holds back its last bytes until then, so a
 * client never receives a complete body that fails the check.
 */
import type { ShardRef } from '../shard/types.js'
import type { GrowingBlob, ShardSource } from '../exchange/index.js'
import type { ShardStore } from '../store/index.js'
import { deferred, raceAbort, type Deferred } from './deferred.js'
import { ShardEvictedError, ShardListingError } from './errors.js'

export class BlobJob implements GrowingBlob {
  /** Shards known so far, in blob order. */
  readonly refs: ShardRef[] = []
  /** Where each shard came from (by CID), for usage accounting. */
  readonly sourceOf = new Map<string, ShardSource>()
  sizeBytes: number | undefined
  /** All shards are known (`refs` is the whole blob). */
  private refsComplete = false
  /** Shards `append`ed so far (cut here from an origin stream). */
  private appended = 0
  private failure: Error | undefined
  private finished = false
  private changedSignal: Deferred<void> = deferred()
  readonly done: Promise<void>
  private readonly settle: Deferred<void> = deferred()
  private readonly unsubscribe: () => void

  constructor (readonly digest: string, private readonly store: ShardStore, readonly kind: 'index' | 'stream') {
    this.done = this.settle.promise
    // Readers must not see an unhandled rejection when nobody awaits `done`.
    this.done.catch(() => {})
    this.unsubscribe = store.on('shard:added', () => { this.notify() })
  }

  /** Every shard is known up front (from an index). */
  setIndex (refs: ShardRef[], sizeBytes: number): void {
    this.refs.push(...refs)
    this.sizeBytes = sizeBytes
    this.refsComplete = true
    this.notify()
  }

  /**
   * The next shard, cut from an origin stream and already stored. When the
   * shards were listed before (by a peer this host followed until it failed),
   * the cut must agree with the listing: readers may have been sent them.
   */
  append (ref: ShardRef, source: ShardSource): void {
    const position = this.appended++
    const listed = this.refs[position]
    if (listed == null) {
      this.refs.push(ref)
    } else if (!listed.cid.equals(ref.cid) || listed.offset !== ref.offset || listed.length !== ref.length) {
      throw new ShardListingError(`shard ${position} of ${this.digest} from the origin is ${ref.cid.toString()} (${ref.length} bytes), but a peer had listed ${listed.cid.toString()} (${listed.length} bytes)`)
    }
    this.sourceOf.set(ref.cid.toString(), source)
    this.notify()
  }

  /** More shards, listed by a peer streaming the blob from the origin (not stored here yet). */
  extend (refs: readonly ShardRef[], sizeBytes: number): void {
    this.refs.push(...refs)
    this.sizeBytes ??= sizeBytes
    this.notify()
  }

  /** Resolves when shards are listed or stored or the job settles, or after `ms` (for peers following this blob). */
  async changed (ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([this.changedSignal.promise, new Promise<void>(resolve => { timer = setTimeout(resolve, ms) })])
    clearTimeout(timer)
  }

  /** A shard arrived (stored) from `source`. */
  stored (ref: ShardRef, source: ShardSource): void {
    this.sourceOf.set(ref.cid.toString(), source)
    this.notify()
  }

  setSize (sizeBytes: number): void {
    this.sizeBytes = sizeBytes
    this.notify()
  }

  /** The blob is whole and matches its digest. */
  succeed (): void {
    if (this.finished) return
    this.finished = true
    this.refsComplete = true
    this.unsubscribe()
    this.settle.resolve()
    this.notify()
  }

  fail (err: Error): void {
    if (this.finished) return
    this.finished = true
    this.failure = err
    this.unsubscribe()
    this.settle.reject(err)
    this.notify()
  }

  get failed (): Error | undefined {
    return this.failure
  }

  private notify (): void {
    const c = this.changedSignal
    this.changedSignal = deferred()
    c.resolve()
  }

  private async waitChange (signal?: AbortSignal): Promise<void> {
    await raceAbort(this.changedSignal.promise, signal)
  }

  /** Resolves once the blob's size is known. */
  async ready (signal?: AbortSignal): Promise<number> {
    while (this.sizeBytes === undefined) {
      if (this.failure != null) throw this.failure
      await this.waitChange(signal)
    }
    return this.sizeBytes
  }

  /**
   * The shard at `position` once it is stored, or null past the last shard.
   * Throws the job's error if it fails first.
   */
  async shard (position: number, signal?: AbortSignal): Promise<ShardRef | null> {
    while (true) {
      if (this.failure != null) throw this.failure
      const ref = this.refs[position]
      if (ref != null && this.store.hasSync(ref.cid)) return ref
      if (ref == null && this.refsComplete) return null
      // Whole and checked, yet this shard is gone: evicted before this reader got to it.
      // Nothing more will arrive, so fail rather than wait.
      if (this.finished && ref != null) throw new ShardEvictedError(`shard ${position} (${ref.cid.toString()}) of ${this.digest} was evicted before it was served; retry`)
      await this.waitChange(signal)
    }
  }
}
