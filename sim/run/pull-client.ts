/**
 * What containerd does for one pull, as a plain HTTP client: resolve the
 * tag, fetch the manifest, then the config and the layers, three blobs at
 * a time (containerd's default), reading every byte. Pointed at a host's
 * mirror (with `?ns=` naming the origin, as containerd adds it) for the
 * swarm run, and at the region's shaped origin proxy for the direct run.
 */
import { request } from 'undici'

const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json'
].join(', ')
/** Blobs in flight per pull (containerd's `max_concurrent_downloads` default). */
export const PULL_CONCURRENCY = 3
/** A pull that takes longer failed. */
export const PULL_TIMEOUT_MS = 10 * 60_000

export interface PullTarget {
  /** `http://host:port` of a registry (a mirror or the origin). */
  baseUrl: string
  name: string
  tag: string
  /** The origin host, sent as `?ns=` (for a mirror). */
  ns?: string
  /** Only these blob digests (a trace row fetches one blob); default: the config and every layer. */
  only?: string[]
}

export interface PullResult {
  ok: boolean
  bytes: number
  /** Blob digests fetched. */
  blobs: string[]
  error?: string
}

/** A kept-alive connection the server closed as the request went out: safe to retry once (nothing was received). */
function isStaleConnection (err: unknown): boolean {
  const code = (err as { code?: string }).code
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET'
}

async function get (url: string, headers: Record<string, string>, signal: AbortSignal): Promise<{ status: number, body: AsyncIterable<Uint8Array> & { text: () => Promise<string>, dump: () => Promise<void> } }> {
  let res
  try {
    res = await request(url, { method: 'GET', headers, signal })
  } catch (err) {
    if (!isStaleConnection(err) || signal.aborted) throw err
    res = await request(url, { method: 'GET', headers, signal })
  }
  return { status: res.statusCode, body: res.body as unknown as AsyncIterable<Uint8Array> & { text: () => Promise<string>, dump: () => Promise<void> } }
}

export async function pullImage (target: PullTarget, outer: AbortSignal = AbortSignal.timeout(PULL_TIMEOUT_MS)): Promise<PullResult> {
  // One failed blob fails the pull: the other blobs' requests stop with it.
  const failed = new AbortController()
  const signal = AbortSignal.any([outer, failed.signal])
  const qs = target.ns != null ? `?ns=${encodeURIComponent(target.ns)}` : ''
  const blobs: string[] = []
  let bytes = 0
  try {
    const m = await get(`${target.baseUrl}/v2/${target.name}/manifests/${target.tag}${qs}`, { accept: MANIFEST_ACCEPT }, signal)
    const text = await m.body.text()
    if (m.status !== 200) throw new Error(`manifest ${target.name}:${target.tag}: HTTP ${m.status} ${text.slice(0, 200)}`)
    bytes += Buffer.byteLength(text)
    const manifest = JSON.parse(text) as { config?: { digest: string }, layers?: Array<{ digest: string, size: number }> }
    const all = [...(manifest.config != null ? [manifest.config.digest] : []), ...(manifest.layers ?? []).map(l => l.digest)]
    const wanted = target.only ?? all
    const queue = [...wanted]
    const worker = async (): Promise<void> => {
      for (let digest = queue.shift(); digest != null; digest = queue.shift()) {
        const res = await get(`${target.baseUrl}/v2/${target.name}/blobs/${digest}${qs}`, {}, signal)
        if (res.status !== 200) throw new Error(`blob ${digest}: HTTP ${res.status} ${(await res.body.text()).slice(0, 200)}`)
        for await (const chunk of res.body) bytes += chunk.byteLength
        blobs.push(digest)
      }
    }
    await Promise.all(Array.from({ length: Math.min(PULL_CONCURRENCY, wanted.length) }, async () => {
      try {
        await worker()
      } catch (err) {
        failed.abort(err)
        throw err
      }
    }))
    return { ok: true, bytes, blobs }
  } catch (err) {
    const first = failed.signal.aborted ? failed.signal.reason as Error : err as Error
    return { ok: false, bytes, blobs, error: first.message }
  }
}
