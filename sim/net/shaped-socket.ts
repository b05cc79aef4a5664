/**
 * A TCP socket as a libp2p MultiaddrConnection whose writes pass through a
 * Shaper: @libp2p/tcp's socket-to-conn (not exported by the package), with
 * the shaper between `sendData` and `socket.write`. Reads are not shaped:
 * the far end shapes its own writes.
 *
 * Backpressure runs end to end: the shaper's queue full -> `canSendMore`
 * false -> libp2p waits for 'drain'; the socket's buffer full -> the shaper
 * holds its deliveries until the socket drains.
 */
import type { Socket } from 'node:net'
import { TimeoutError, type AbortOptions, type Logger } from '@libp2p/interface'
import { AbstractMultiaddrConnection } from '@libp2p/utils'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Uint8ArrayList } from 'uint8arraylist'
import type { Clock } from './clock.js'
import { SOCKET_INACTIVITY_TIMEOUT_MS } from './constants.js'
import { Shaper, type TokenBucket } from './shaper.js'

/** How this end shapes its writes on one connection. */
export interface ResolvedLink {
  region: string
  oneWayDelayMs: number
  bucket: TokenBucket
}

export interface ShapedSocketInit {
  socket: Socket
  direction: 'inbound' | 'outbound'
  remoteAddr: Multiaddr
  /** Undefined: the connection is not shaped (a remote outside the topology). */
  link: ResolvedLink | undefined
  log: Logger
  /** @default SOCKET_INACTIVITY_TIMEOUT_MS */
  inactivityTimeoutMs?: number
  clock?: Clock
}

export class ShapedSocketConnection extends AbstractMultiaddrConnection {
  readonly link: ResolvedLink | undefined
  private readonly socket: Socket
  private readonly shaper: Shaper | undefined

  constructor (init: ShapedSocketInit) {
    super({ remoteAddr: init.remoteAddr, direction: init.direction, log: init.log, inactivityTimeout: init.inactivityTimeoutMs ?? SOCKET_INACTIVITY_TIMEOUT_MS })
    this.socket = init.socket
    this.link = init.link
    if (init.link != null) {
      const shaper: Shaper = new Shaper({
        delayMs: init.link.oneWayDelayMs,
        bucket: init.link.bucket,
        ...(init.clock != null ? { clock: init.clock } : {}),
        deliver: buf => { if (!this.socket.destroyed && !this.socket.write(buf)) shaper.pause() },
        onDrain: () => { this.safeDispatchEvent('drain') }
      })
      this.shaper = shaper
    }
    const socket = this.socket
    socket.on('data', buf => { this.onData(buf) })
    socket.on('error', err => {
      this.log('tcp error %a - %e', this.remoteAddr, err)
      this.abort(err)
    })
    socket.setTimeout(init.inactivityTimeoutMs ?? SOCKET_INACTIVITY_TIMEOUT_MS)
    socket.once('timeout', () => {
      this.log('tcp timeout %a', this.remoteAddr)
      this.abort(new TimeoutError())
    })
    socket.once('end', () => { this.onTransportClosed() })
    socket.once('close', hadError => {
      this.shaper?.destroy('socket closed')
      if (hadError) { this.abort(new Error('TCP transmission error')); return }
      this.onTransportClosed()
    })
    socket.on('drain', () => {
      if (this.shaper != null) this.shaper.resume()
      else this.safeDispatchEvent('drain')
    })
  }

  sendData (data: Uint8ArrayList): { sentBytes: number, canSendMore: boolean } {
    let sentBytes = 0
    let canSendMore = true
    for (const buf of data) {
      sentBytes += buf.byteLength
      // The shaper takes every byte and says when to stop; the socket says so by its buffer.
      canSendMore = this.shaper != null ? this.shaper.write(buf) && canSendMore : this.socket.write(buf)
      if (!canSendMore && this.shaper == null) break
    }
    return { sentBytes, canSendMore }
  }

  async sendClose (options?: AbortOptions): Promise<void> {
    if (this.socket.destroyed) return
    // The FIN follows the last delayed byte, as on a real link.
    if (this.shaper != null) {
      try { await abortable(this.shaper.flushed(), options?.signal) } catch { /* closing anyway */ }
    }
    if (this.socket.destroyed) return
    const closed = new Promise<void>(resolve => this.socket.once('close', () => { resolve() }))
    this.socket.destroySoon()
    await abortable(closed, options?.signal)
  }

  sendReset (): void {
    this.shaper?.destroy('connection reset')
    if (this.socket.writableEnded) { this.socket.destroy(); return }
    this.socket.resetAndDestroy()
  }

  sendPause (): void {
    this.socket.pause()
  }

  sendResume (): void {
    this.socket.resume()
  }
}

async function abortable<T> (p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal == null) return p
  signal.throwIfAborted()
  let onAbort: (() => void) | undefined
  try {
    return await Promise.race([p, new Promise<never>((_resolve, reject) => {
      onAbort = () => { reject(signal.reason) }
      signal.addEventListener('abort', onAbort, { once: true })
    })])
  } finally {
    if (onAbort != null) signal.removeEventListener('abort', onAbort)
  }
}
