/** Images and a plain HTTP client for the embedded origin's tests. */
import { createHash } from 'node:crypto'
import type { PlanImage } from '../../../sim/workload/index.js'

const MiB = 1024 * 1024

/** Two repositories, three images; `shared` is in all three, `big` spans three generation chunks. */
export const IMAGES: PlanImage[] = [
  { name: 'library/web', tag: 'v1', layers: [{ id: 'shared', sizeBytes: 4096, seed: 1 }, { id: 'big', sizeBytes: 2.5 * MiB + 3, seed: 2 }] },
  { name: 'library/web', tag: 'v2', layers: [{ id: 'shared', sizeBytes: 4096, seed: 1 }, { id: 'small', sizeBytes: 10_000, seed: 3 }] },
  { name: 'team/api', tag: 'latest', layers: [{ id: 'shared', sizeBytes: 4096, seed: 1 }] }
]

export function sha256 (bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

export async function get (url: string, init: RequestInit = {}): Promise<{ status: number, headers: Headers, body: Buffer }> {
  const res = await fetch(url, init)
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) }
}

export async function collect (chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const c of chunks) parts.push(c)
  return Buffer.concat(parts)
}
