import { pino, type Logger } from 'pino'
import { OriginClient, type OriginClientInit } from '../../../src/registry/origin/index.js'
import { FakeRegistry, type FakeRegistryOptions } from './fake-registry.js'

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'

export const quietLogger = pino({ level: process.env.SHOAL_TEST_LOG ?? 'silent' })

/** A debug-level logger whose lines are kept, to check what is (not) logged. */
export function captureLogger (): { logger: Logger, lines: string[] } {
  const lines: string[] = []
  const logger = pino({ level: 'debug' }, { write: (line: string) => { lines.push(line) } })
  return { logger, lines }
}

export function manifestOf (layerDigest: string, size: number): object {
  return {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: layerDigest, size },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size }]
  }
}

/** Deterministic bytes (a simple LCG), so a failure can be replayed. */
export function bytesOf (length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed >>> 0
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0
    out[i] = x >>> 24
  }
  return out
}

export interface Harness {
  registry: FakeRegistry
  client: OriginClient
  teardown: () => Promise<void>
}

/** Start a fake registry and a client for it (`init` may be a function of the registry's host). */
export async function spawn (options: FakeRegistryOptions = {}, init: OriginClientInit | ((host: string) => OriginClientInit) = {}, logger: Logger = quietLogger): Promise<Harness> {
  const registry = await new FakeRegistry(options).start()
  const client = new OriginClient(typeof init === 'function' ? init(registry.host) : init, { logger })
  return {
    registry,
    client,
    teardown: async () => {
      await client.close()
      await registry.stop()
    }
  }
}

export async function collect (body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const c of body) chunks.push(c)
  return Buffer.concat(chunks)
}
