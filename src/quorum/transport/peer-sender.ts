/**
 * The way out to one seed: a bounded queue and one long-lived outbound
 * stream carrying length-prefixed messages. Raft tolerates loss, so this
 * never blocks the driver and never grows: a message that finds the queue
 * full is dropped, and when the peer cannot be reached the queue is
 * emptied (what waited is stale by the time a dial succeeds; Raft sends
 * fresh heartbeats and appends). Dials back off exponentially with jitter.
 */
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import type { Stream } from '@libp2p/interface'
import { MESSAGE_MAX_BYTES } from '../raft/constants.js'
import type { TransportLogger } from './index.js'

export interface PeerSenderOptions {
  peer: string
  maxMessages: number
  maxBytes: number
  reconnectMinMs: number
  reconnectMaxMs: number
  dialTimeoutMs: number
  writeTimeoutMs: number
}

export interface PeerSenderComponents {
  /** A new Raft stream to the peer. */
  open: (signal: AbortSignal) => Promise<Stream>
  logger: TransportLogger
  random: () => number
}

export interface PeerSenderStats {
  sent: number
  /** Dropped: the queue was full, the peer unreachable, or a write failed. */
  dropped: number
  dialFailures: number
  queued: number
}

export class PeerSender {
  private queue: Uint8Array[] = []
  private queuedBytes = 0
  private wake: (() => void) | undefined
  private stream: { lp: LengthPrefixedStream<Stream>, raw: Stream } | undefined
  private failures = 0
  private running = false
  private loop: Promise<void> | undefined
  private stopping = new AbortController()
  private readonly counts = { sent: 0, dropped: 0, dialFailures: 0 }

  constructor (private readonly opts: PeerSenderOptions, private readonly components: PeerSenderComponents) {}

  start (): void {
    if (this.running) return
    this.running = true
    this.stopping = new AbortController()
    this.loop = this.run()
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    this.stopping.abort(new Error('the Raft transport is stopping'))
    this.wake?.()
    this.stream?.raw.abort(new Error('the Raft transport is stopping'))
    this.stream = undefined
    await this.loop
    this.drop(this.queue.length)
  }

  /** Queue one encoded message; false when it was dropped instead. */
  enqueue (bytes: Uint8Array): boolean {
    if (!this.running || this.queue.length >= this.opts.maxMessages || this.queuedBytes + bytes.byteLength > this.opts.maxBytes) {
      this.counts.dropped++
      return false
    }
    this.queue.push(bytes)
    this.queuedBytes += bytes.byteLength
    this.wake?.()
    return true
  }

  stats (): PeerSenderStats {
    return { ...this.counts, queued: this.queue.length }
  }

  private async run (): Promise<void> {
    while (this.running) {
      if (this.queue.length === 0) {
        await new Promise<void>(resolve => { this.wake = resolve })
        this.wake = undefined
        continue
      }
      if (this.stream != null && this.stream.raw.writeStatus !== 'writable') this.stream = undefined
      const out = this.stream ?? await this.dial()
      if (out == null) continue
      const batch = this.queue
      this.queue = []
      this.queuedBytes = 0
      try {
        await out.lp.writeV(batch, { signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.opts.writeTimeoutMs)]) })
        this.counts.sent += batch.length
        this.failures = 0
      } catch (err) {
        this.counts.dropped += batch.length
        if (!this.running) return
        this.components.logger.debug({ peer: this.opts.peer, err: (err as Error).message }, 'Raft stream failed; dialling again')
        out.raw.abort(err as Error)
        this.stream = undefined
        await this.backoff()
      }
    }
  }

  /** A writable stream to the peer, or undefined after a failed dial (and its backoff). */
  private async dial (): Promise<{ lp: LengthPrefixedStream<Stream>, raw: Stream } | undefined> {
    try {
      const raw = await this.components.open(AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.opts.dialTimeoutMs)]))
      if (!this.running) { raw.abort(new Error('the Raft transport is stopping')); return undefined }
      const out = { lp: lpStream(raw, { maxDataLength: MESSAGE_MAX_BYTES }), raw }
      // The peer never writes here; when it closes or resets the stream, we dial again.
      raw.addEventListener('close', () => { if (this.stream === out) this.stream = undefined }, { once: true })
      this.stream = out
      return out
    } catch (err) {
      if (!this.running) return undefined
      this.counts.dialFailures++
      this.drop(this.queue.length)
      this.components.logger.debug({ peer: this.opts.peer, err: (err as Error).message, failures: this.failures + 1 }, 'cannot reach seed for Raft')
      await this.backoff()
      return undefined
    }
  }

  private drop (n: number): void {
    this.counts.dropped += n
    this.queue = []
    this.queuedBytes = 0
  }

  private async backoff (): Promise<void> {
    this.failures++
    const ceiling = Math.min(this.opts.reconnectMaxMs, this.opts.reconnectMinMs * 2 ** Math.min(this.failures - 1, 30))
    const ms = ceiling / 2 + this.components.random() * ceiling / 2
    await new Promise<void>(resolve => {
      const timer = setTimeout(done, ms)
      const signal = this.stopping.signal
      function done (): void {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        resolve()
      }
      signal.addEventListener('abort', done, { once: true })
    })
  }
}
