/**
 * Shards on their way into this node. The fetcher registers each shard it
 * requests and settles it once the shard is stored (or the request fails);
 * the server, asked for a shard it does not hold yet but is receiving, waits
 * for it (briefly) instead of answering NOT_FOUND. Hand-offs point fetchers
 * at peers that are still receiving, so this turns "not yet" into "in a
 * moment" without a round of retries.
 */
interface Waiter { promise: Promise<boolean>, resolve: (stored: boolean) => void, count: number }

export class Incoming {
  private readonly shards = new Map<string, Waiter>()

  /** A request for `cid` started. Balanced by one `settle`. */
  begin (cid: string): void {
    const w = this.shards.get(cid)
    if (w != null) { w.count++; return }
    let resolve!: (stored: boolean) => void
    const promise = new Promise<boolean>(r => { resolve = r })
    this.shards.set(cid, { promise, resolve, count: 1 })
  }

  /** A request for `cid` ended; `stored` when the shard is now in the store. */
  settle (cid: string, stored: boolean): void {
    const w = this.shards.get(cid)
    if (w == null) return
    if (stored) { this.shards.delete(cid); w.resolve(true); return }
    if (--w.count <= 0) { this.shards.delete(cid); w.resolve(false) }
  }

  has (cid: string): boolean {
    return this.shards.has(cid)
  }

  /** Resolves true when `cid` is stored within `timeoutMs`, false otherwise (or when it is not incoming). */
  async wait (cid: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const w = this.shards.get(cid)
    if (w == null) return false
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<boolean>(resolve => { timer = setTimeout(() => { resolve(false) }, timeoutMs) })
    const aborted = new Promise<boolean>(resolve => { signal?.addEventListener('abort', () => { resolve(false) }, { once: true }) })
    try {
      return await Promise.race([w.promise, timeout, aborted])
    } finally {
      clearTimeout(timer)
    }
  }
}
