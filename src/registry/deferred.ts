/** A promise with its resolve and reject (Node 20's lib has no `Promise.withResolvers` type). */
export interface Deferred<T> {
  promise: Promise<T>
  resolve: (value: T) => void
  reject: (reason: unknown) => void
}

export function deferred<T> (): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (reason: unknown) => void
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}

/** `p`, or the signal's reason if it aborts first. */
export async function raceAbort<T> (p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal == null) return await p
  signal.throwIfAborted()
  const aborted = deferred<never>()
  const onAbort = (): void => { aborted.reject(signal.reason) }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    return await Promise.race([p, aborted.promise])
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}
