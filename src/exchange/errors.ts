/** Errors of the exchange, matched by `name`. */
export class ProtocolError extends Error {
  override name = 'ProtocolError'
}
/** The peer answered with a status other than OK (`holder`: where an ELSEWHERE answer points). */
export class PeerStatusError extends Error {
  override name = 'PeerStatusError'
  constructor (message: string, readonly status: string, readonly holder?: string) { super(message) }
}
/** The bytes a peer sent do not match the CID asked for. */
export class ShardMismatchError extends Error {
  override name = 'ShardMismatchError'
}
/**
 * The peer ended a transfer early (an overloaded or stopping server resets
 * the stream). A failure to retry elsewhere, not a lie: nothing it sent was wrong.
 */
export class TruncatedError extends Error {
  override name = 'TruncatedError'
}
/** No bytes arrived for too long. */
export class StallError extends Error {
  override name = 'StallError'
}
/** A blob could not be fetched: no source had some shard, or every attempt failed. */
export class FetchFailedError extends Error {
  override name = 'FetchFailedError'
}
/** The assembled blob does not hash to its digest: the shard index was a lie. */
export class BlobDigestMismatchError extends Error {
  override name = 'BlobDigestMismatchError'
}
