/**
 * The request record every part of the prediction work speaks: a trace
 * row read from CSV, an event of the usage log, a request replayed by the
 * cache simulator.
 */

export type RequestKind = 'manifest' | 'blob'

/** One request: a client asked for a blob (or a manifest) at `tsMs`. */
export interface TraceRequest {
  /** When, ms (since the epoch, or since the trace's start). Requests are handled in this order. */
  tsMs: number
  /** Who asked: a host, an address. */
  client: string
  /** What was asked for: a digest, or any stable id of the object. */
  blob: string
  /** Its size in bytes. */
  bytes: number
  /** The repository, when known (e.g. "library/nginx"). */
  repo?: string
  /** The client's region, when known. */
  region?: string
  /** A manifest or a blob (a layer or config). @default 'blob' */
  kind: RequestKind
}
