/**
 * `/shoal/tag/1.0.0`: peers tell each other what a tag last resolved to. Used
 * only when the origin cannot be reached and this host has never resolved
 * the tag itself, so a host that joins during a registry outage can still
 * pull by tag what the swarm holds. The answer is a hint, not a proof: tags
 * are mutable and unsigned, so it comes from authenticated swarm members
 * only, the most recent resolution wins, and everything fetched for it is
 * still checked against its digest. `--tag-fallback off` turns this off with
 * the last-known fallback.
 */
import { pbStream } from '@libp2p/utils'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import type { Logger } from 'pino'
import { KiB, second } from '../node/constants.js'
import { PEER_TAG_TIMEOUT_MS } from './constants.js'
import { isRegistryHost, parseName, parseReference } from './reference.js'
import { TagRequest, TagResponse } from './tag-messages.js'
import type { TagRecord, TagStore } from './tag-store.js'

export const TAG_PROTOCOL = '/shoal/tag/1.0.0'
/** Largest tag request or response. */
const MAX_TAG_MESSAGE_BYTES = 1 * KiB
/** Peers asked at once. */
const TAG_PEERS_ASKED = 8
/** How long a peer has to send its request. */
const TAG_REQUEST_TIMEOUT_MS = 5 * second

export interface PeerTagsComponents {
  registrar: {
    handle(protocol: string, handler: (stream: Stream, connection: Connection) => void | Promise<void>, options?: { maxInboundStreams?: number }): Promise<void>
    unhandle(protocol: string): Promise<void>
  }
  /** Open connections (the peers asked are among them). */
  getConnections(): Connection[]
  tags: TagStore
  logger: Logger
}

export interface PeerTagAnswer extends TagRecord {
  peer: string
}

export class PeerTags {
  private started = false

  constructor (private readonly components: PeerTagsComponents) {}

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    await this.components.registrar.handle(TAG_PROTOCOL, async stream => {
      try {
        await this.serve(stream)
      } catch (err) {
        this.components.logger.debug({ err: (err as Error).message }, 'tag request failed')
        stream.abort(err as Error)
      }
    }, { maxInboundStreams: 32 })
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    await this.components.registrar.unhandle(TAG_PROTOCOL)
  }

  private async serve (stream: Stream): Promise<void> {
    const pb = pbStream(stream, { maxDataLength: MAX_TAG_MESSAGE_BYTES })
    const req = await pb.read(TagRequest, { signal: AbortSignal.timeout(TAG_REQUEST_TIMEOUT_MS) })
    const empty = { digest: '', mediaType: '', sizeBytes: 0n, resolvedAtMs: 0n }
    if (!validRequest(req)) {
      await pb.write({ ...empty, status: TagResponse.Status.BAD_REQUEST }, TagResponse)
    } else {
      const rec = await this.components.tags.get(req.origin, req.repository, req.tag)
      await pb.write(rec == null
        ? { ...empty, status: TagResponse.Status.NOT_FOUND }
        : { status: TagResponse.Status.OK, digest: rec.digest, mediaType: rec.mediaType, sizeBytes: BigInt(rec.sizeBytes), resolvedAtMs: BigInt(Math.floor(rec.resolvedAtMs)) }, TagResponse)
    }
    await stream.close()
  }

  /** Ask connected peers; the most recent resolution any of them knows, or undefined. */
  async resolve (origin: string, repository: string, tag: string, options: { signal?: AbortSignal, timeoutMs?: number } = {}): Promise<PeerTagAnswer | undefined> {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? PEER_TAG_TIMEOUT_MS)
    const signal = options.signal != null ? AbortSignal.any([options.signal, timeout]) : timeout
    const seen = new Set<string>()
    const connections = this.components.getConnections().filter(c => {
      if (c.status !== 'open' || seen.has(c.remotePeer.toString())) return false
      seen.add(c.remotePeer.toString())
      return true
    }).slice(0, TAG_PEERS_ASKED)
    const answers = await Promise.all(connections.map(async c => await this.ask(c, c.remotePeer, { origin, repository, tag }, signal).catch((err: Error) => {
      this.components.logger.debug({ peer: c.remotePeer.toString(), err: err.message }, 'tag request to a peer failed')
      return undefined
    })))
    const found = answers.filter((a): a is PeerTagAnswer => a != null).sort((a, b) => b.resolvedAtMs - a.resolvedAtMs)
    if (found.length > 1 && found.some(a => a.digest !== found[0]!.digest)) {
      this.components.logger.warn({ tag: `${origin}/${repository}:${tag}`, answers: found.map(a => ({ peer: a.peer, digest: a.digest, resolvedAt: new Date(a.resolvedAtMs).toISOString() })) }, 'peers disagree on a tag; taking the most recent resolution')
    }
    return found[0]
  }

  private async ask (connection: Connection, peer: PeerId, req: TagRequest, signal: AbortSignal): Promise<PeerTagAnswer | undefined> {
    const stream = await connection.newStream(TAG_PROTOCOL, { signal, negotiateFully: false })
    try {
      const pb = pbStream(stream, { maxDataLength: MAX_TAG_MESSAGE_BYTES })
      await pb.write(req, TagRequest, { signal })
      const res = await pb.read(TagResponse, { signal })
      await stream.close({ signal }).catch(() => {})
      if (res.status !== TagResponse.Status.OK) return undefined
      const rec = { digest: res.digest, mediaType: res.mediaType, sizeBytes: Number(res.sizeBytes), resolvedAtMs: Number(res.resolvedAtMs) }
      if (!/^sha256:[a-f0-9]{64}$/.test(rec.digest) || rec.mediaType.length > 256 || rec.resolvedAtMs > Date.now() + 60 * second) {
        throw new Error(`peer ${peer.toString()} sent a malformed tag answer`)
      }
      return { ...rec, peer: peer.toString() }
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }
}

function validRequest (req: TagRequest): boolean {
  try {
    parseName(req.repository)
    return isRegistryHost(req.origin) && 'tag' in parseReference(req.tag)
  } catch {
    return false
  }
}
