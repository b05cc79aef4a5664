/**
 * Content identifiers. A shard's id is a CIDv1 with the raw codec and a
 * sha2-256 multihash of its bytes. A blob's OCI digest `sha256:<hex>` is the
 * same hash, so a layer CID and a blob digest convert both ways without
 * touching the bytes.
 */
import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'

export const SHA256_CODE = sha256.code
const DIGEST_RE = /^sha256:[0-9a-f]{64}$/

export class InvalidDigestError extends Error {
  override name = 'InvalidDigestError'
}

/** CIDv1 (raw, sha2-256) of a 32-byte sha256 hash. */
export function cidFromSha256 (hash: Uint8Array): CID {
  if (hash.byteLength !== 32) throw new InvalidDigestError(`sha256 hash must be 32 bytes, got ${hash.byteLength}`)
  return CID.createV1(raw.code, Digest.create(SHA256_CODE, hash))
}

/** The shard id of some bytes: hashes them with node:crypto (faster than WebCrypto for small inputs). */
export function shardCid (bytes: Uint8Array): CID {
  return cidFromSha256(createHash('sha256').update(bytes).digest())
}

/** Is this a well-formed OCI sha256 digest (`sha256:` and 64 lowercase hex)? */
export function isDigest (s: string): boolean {
  return DIGEST_RE.test(s)
}

/** `sha256:<hex>` -> layer CID. Throws InvalidDigestError on anything else. */
export function digestToCid (digest: string): CID {
  if (!isDigest(digest)) throw new InvalidDigestError(`not a sha256 digest: ${JSON.stringify(digest).slice(0, 100)}`)
  return cidFromSha256(Buffer.from(digest.slice(7), 'hex'))
}

/** layer CID -> `sha256:<hex>`. Throws InvalidDigestError for a CID that is not raw sha2-256. */
export function cidToDigest (cid: CID): string {
  if (cid.version !== 1 || cid.code !== raw.code || cid.multihash.code !== SHA256_CODE || cid.multihash.digest.byteLength !== 32) {
    throw new InvalidDigestError(`not a raw sha2-256 CIDv1: ${cid.toString()}`)
  }
  return 'sha256:' + Buffer.from(cid.multihash.digest).toString('hex')
}

/** Parse a CID string, naming the input on failure. */
export function parseCid (s: string): CID {
  try {
    return CID.parse(s)
  } catch (err) {
    throw new InvalidDigestError(`not a CID: ${JSON.stringify(s).slice(0, 100)} (${(err as Error).message})`)
  }
}

/** Does `cid` name exactly these bytes? */
export function verifyShard (cid: CID, bytes: Uint8Array): boolean {
  if (cid.multihash.code !== SHA256_CODE) return false
  const h = createHash('sha256').update(bytes).digest()
  return Buffer.compare(h, cid.multihash.digest) === 0
}

export { CID }
