/** Waiting for the first of several things, with a deadline and an abort signal, leaving no timer or listener behind. */

export const TIMEOUT: unique symbol = Symbol('timeout')

/**
 * The value of the first of `promises` to settle (a rejection rethrown), or
 * TIMEOUT once `deadlineMs` (a Date.now() time) passes. Rejects with the
 * signal's reason when it aborts first.
 */
export async function firstOf<T> (promises: Array<Promise<T>>, deadlineMs: number, signal?: AbortSignal): Promise<T | typeof TIMEOUT> {
  signal?.throwIfAborted()
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  const timeout = new Promise<typeof TIMEOUT>(resolve => { timer = setTimeout(() => { resolve(TIMEOUT) }, Math.max(0, deadlineMs - Date.now())) })
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(signal?.reason) }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([...promises, timeout, aborted])
  } finally {
    clearTimeout(timer)
    if (onAbort != null) signal?.removeEventListener('abort', onAbort)
  }
}

/** A promise with its resolve and reject, and whether it settled. */
export class Deferred<T> {
  readonly promise: Promise<T>
  settled = false
  private res!: (v: T) => void
  private rej!: (e: Error) => void

  constructor () {
    this.promise = new Promise<T>((resolve, reject) => { this.res = resolve; this.rej = reject })
    // A waiter that gave up must not turn a later rejection into an unhandled one.
    this.promise.catch(() => {})
  }

  resolve (v: T): void {
    if (this.settled) return
    this.settled = true
    this.res(v)
  }

  reject (e: Error): void {
    if (this.settled) return
    this.settled = true
    this.rej(e)
  }
}
