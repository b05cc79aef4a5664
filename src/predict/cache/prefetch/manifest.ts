/**
 * The manifest -> layers baseline. A pull is a manifest request followed,
 * within seconds, by the blobs the client lacks; so after each manifest
 * request it notes which blobs the same client requests within `windowMs`
 * (each once per pull), and when the manifest is requested again it
 * suggests the blobs that followed at least `minConfidence` of its earlier
 * pulls, the most frequent first. It learns only from requests already
 * observed: the pull being suggested for is not part of its own evidence.
 *
 * Memory is bounded: at most `maxManifests` manifests (the least recently
 * pulled forgotten first), `maxBlobs` blobs each (the least often seen
 * replaced) and `maxClients` open windows (the least recently active
 * forgotten). Each operation is O(1), and a suggestion O(maxBlobs log maxBlobs).
 */
import type { PrefetchCandidate, Prefetcher } from '../index.js'
import { RecencyList } from '../recency.js'
import type { TraceRequest } from '../../types.js'

export interface ManifestPrefetcherOptions {
  windowMs: number
  minConfidence: number
  maxManifests: number
  maxBlobs: number
  maxClients: number
}

interface Followed {
  bytes: number
  /** Pulls it followed. */
  count: number
}

interface ManifestStats {
  /** Pulls seen, including any still in their window. */
  pulls: number
  blobs: Map<string, Followed>
}

interface OpenPull {
  manifest: string
  startMs: number
  seen: Set<string>
}

/** Make `key` the most recent of `list`, and drop the least recent beyond `max`. */
function touch<V> (list: RecencyList<V>, key: string, value: V, max: number): void {
  list.touch(key, value)
  if (list.size > max) list.delete(list.oldest() as string)
}

export class ManifestPrefetcher implements Prefetcher {
  readonly name = 'manifest'
  private readonly manifests = new RecencyList<ManifestStats>()
  private readonly clients = new RecencyList<OpenPull>()

  constructor (private readonly options: ManifestPrefetcherOptions) {}

  /** Manifests remembered and open windows (tests of the bounds). */
  sizes (): { manifests: number, clients: number, largestManifest: number } {
    let largestManifest = 0
    for (const [, m] of this.manifests.entries()) largestManifest = Math.max(largestManifest, m.blobs.size)
    return { manifests: this.manifests.size, clients: this.clients.size, largestManifest }
  }

  observe (request: TraceRequest): void {
    const { options } = this
    if (request.kind === 'manifest') {
      const stats = this.manifests.get(request.blob) ?? { pulls: 0, blobs: new Map() }
      stats.pulls++
      touch(this.manifests, request.blob, stats, options.maxManifests)
      touch(this.clients, request.client, { manifest: request.blob, startMs: request.tsMs, seen: new Set() }, options.maxClients)
      return
    }
    const pull = this.clients.get(request.client)
    if (pull === undefined) return
    if (request.tsMs - pull.startMs > options.windowMs) {
      this.clients.delete(request.client)
      return
    }
    touch(this.clients, request.client, pull, options.maxClients)
    if (pull.seen.has(request.blob) || pull.seen.size >= options.maxBlobs) return
    pull.seen.add(request.blob)
    const stats = this.manifests.get(pull.manifest)
    if (stats === undefined) return
    const known = stats.blobs.get(request.blob)
    if (known !== undefined) {
      known.count++
      known.bytes = request.bytes
      return
    }
    if (stats.blobs.size >= options.maxBlobs) this.forgetRarest(stats.blobs)
    stats.blobs.set(request.blob, { bytes: request.bytes, count: 1 })
  }

  suggest (request: TraceRequest): PrefetchCandidate[] {
    if (request.kind !== 'manifest') return []
    const stats = this.manifests.get(request.blob)
    // The pull just observed is in `pulls` but none of its blobs are known yet.
    const earlierPulls = (stats?.pulls ?? 0) - 1
    if (stats === undefined || earlierPulls <= 0) return []
    const picked: Array<[string, Followed]> = []
    for (const entry of stats.blobs) {
      // A quotient of integers rounds like the literal, so a share of exactly minConfidence passes.
      if (entry[1].count / earlierPulls >= this.options.minConfidence) picked.push(entry)
    }
    picked.sort((a, b) => b[1].count - a[1].count)
    return picked.map(([blob, { bytes }]) => ({ blob, bytes }))
  }

  private forgetRarest (blobs: Map<string, Followed>): void {
    let rarest: string | undefined
    let fewest = Infinity
    for (const [blob, { count }] of blobs) {
      if (count < fewest) {
        fewest = count
        rarest = blob
      }
    }
    if (rarest !== undefined) blobs.delete(rarest)
  }
}
