/**
 * Shard keys and file names. A shard's key is its CID string (CIDv1, base32,
 * the default `toString()`); only raw sha2-256 CIDv1s are shard CIDs. A
 * shard's file lives in `shards/<hh>/<key>`, where `hh` is the LAST byte of
 * the sha2-256 hash in hex: uniform over 256 directories. (The first
 * characters of a CID string are the same for every shard: version, codec and
 * hash prefix; its last characters carry only a few bits of the hash.)
 */
import * as raw from 'multiformats/codecs/raw'
import { CID, SHA256_CODE } from '../shard/cid.js'

const SHARD_KEY_RE = /^b[a-z2-7]{58}$/

export function isShardCid (cid: CID): boolean {
  return cid.version === 1 && cid.code === raw.code &&
    cid.multihash.code === SHA256_CODE && cid.multihash.digest.byteLength === 32
}

/** The key of a shard CID, or undefined when it is not one. */
export function shardKey (cid: CID): string | undefined {
  return isShardCid(cid) ? cid.toString() : undefined
}

/** The two-hex-character directory of a shard. */
export function shardDirName (cid: CID): string {
  const hash = cid.multihash.digest
  return (hash[hash.byteLength - 1] ?? 0).toString(16).padStart(2, '0')
}

/** The shard CID of a file name, or undefined when the name is not a shard key. */
export function parseShardKey (name: string): CID | undefined {
  if (!SHARD_KEY_RE.test(name)) return undefined
  try {
    const cid = CID.parse(name)
    return isShardCid(cid) && cid.toString() === name ? cid : undefined
  } catch {
    return undefined
  }
}
