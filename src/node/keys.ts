/**
 * The daemon's identity: an Ed25519 key kept in `<data>/peer.key` (protobuf
 * encoding, mode 0600), made on first start. A stable key means a stable peer
 * id, so DHT provider records and peers' measurements stay valid across restarts.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'

export const PEER_KEY_FILE = 'peer.key'

export class PeerKeyError extends Error {
  override name = 'PeerKeyError'
}

export async function loadOrCreatePeerKey (dataDir: string): Promise<PrivateKey> {
  const file = join(dataDir, PEER_KEY_FILE)
  let bytes: Buffer | undefined
  try {
    bytes = await readFile(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  if (bytes != null) {
    try {
      return privateKeyFromProtobuf(bytes)
    } catch (err) {
      throw new PeerKeyError(`${file} is not a libp2p private key (${(err as Error).message}); move it away to make a new identity`)
    }
  }
  const key = await generateKeyPair('Ed25519')
  await mkdir(dirname(file), { recursive: true })
  const tmp = file + '.tmp'
  await writeFile(tmp, privateKeyToProtobuf(key), { mode: 0o600 })
  await rename(tmp, file)
  return key
}
