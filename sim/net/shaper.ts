/**
 * One direction of a shaped link: bytes written come out, in order, after
 * passing a token bucket (the link's rate) and then a delay line (its one-way
 * propagation delay), as on a wire: serialisation, then flight.
 *
 * The bucket is a GCRA (virtual scheduling) bucket: each piece of a write
 * reserves its passage time when it is written, so the pace does not depend
 * on when timers fire, only deliveries do; a late timer delivers late but
 * never slows the link down. A bucket may be shared by several shapers (a
 * host's uplink shared by its connections, or a region's view of the
 * origin's egress): reservations are served first come, first served, as by
 * one FIFO queue in front of the link.
 *
 * Memory is bounded: once more than `maxQueuedBytes` wait for the bucket,
 * `write` returns false and the writer waits for `onDrain` (called when the
 * queue is half empty again). Bytes in flight are bounded by rate x delay.
 *
 * Two allowances for a loaded machine (see constants.ts): a writer that was
 * told to wait and came back late may use the bucket time it lost
 * (CATCH_UP_MS), and a piece due within EARLY_MS is delivered at once. So
 * neither stalls nor timer lateness change a link's rate; a byte can still
 * never pass sooner than a link busy from the first write would carry it.
 */
import { BUCKET_DEPTH_MS, BUCKET_MIN_DEPTH_BYTES, BYTES_PER_MS_PER_MBPS, CATCH_UP_MS, CHUNK_BYTES, EARLY_MS, MAX_MBPS, MIN_MBPS, QUEUE_MIN_BYTES, QUEUE_MS } from './constants.js'
import { REAL_CLOCK, type Clock } from './clock.js'
import { ShaperClosedError, ShapingOptionError } from './errors.js'

export interface TokenBucketInit {
  mbps: number
  /** Bytes that may pass at once after an idle spell. @default max(BUCKET_MIN_DEPTH_BYTES, BUCKET_DEPTH_MS of the rate) */
  depthBytes?: number
}

export class TokenBucket {
  readonly mbps: number
  readonly bytesPerMs: number
  readonly depthBytes: number
  /** When the bucket would be full again, given every reservation so far. */
  private tat = -Infinity

  constructor (init: TokenBucketInit) {
    if (!(Number.isFinite(init.mbps) && init.mbps >= MIN_MBPS && init.mbps <= MAX_MBPS)) throw new ShapingOptionError(`mbps: ${init.mbps} is not a rate from ${MIN_MBPS} to ${MAX_MBPS}`)
    this.mbps = init.mbps
    this.bytesPerMs = init.mbps * BYTES_PER_MS_PER_MBPS
    this.depthBytes = init.depthBytes ?? Math.max(BUCKET_MIN_DEPTH_BYTES, Math.ceil(this.bytesPerMs * BUCKET_DEPTH_MS))
    if (!(this.depthBytes >= 1)) throw new ShapingOptionError(`depthBytes: ${init.depthBytes} must be at least 1`)
  }

  /**
   * Reserve passage for `bytes` written at `nowMs`; returns when the last of
   * them has passed. `earliestMs` (before now) lets the bytes use bucket time
   * that went unused since then.
   */
  reserve (bytes: number, nowMs: number, earliestMs = nowMs): number {
    this.tat = Math.max(this.tat, Math.min(nowMs, earliestMs)) + bytes / this.bytesPerMs
    return Math.max(nowMs, this.tat - this.depthBytes / this.bytesPerMs)
  }
}

export interface ShaperInit {
  /** One-way delay added to every byte. */
  delayMs: number
  /** The link's rate; null for a delay line without pacing. */
  bucket: TokenBucket | null
  /** Called with each piece, in order, when it arrives at the far end. It must not throw. */
  deliver: (chunk: Uint8Array) => void
  /** Called when a writer told to wait (`write` returned false) may write again. */
  onDrain?: () => void
  /** @default max(QUEUE_MIN_BYTES, QUEUE_MS of the bucket's rate) */
  maxQueuedBytes?: number
  /** @default CHUNK_BYTES */
  chunkBytes?: number
  /** @default REAL_CLOCK */
  clock?: Clock
}

interface Piece { buf: Uint8Array, passAt: number, dueAt: number }

export class Shaper {
  readonly delayMs: number
  readonly maxQueuedBytes: number
  private readonly bucket: TokenBucket | null
  private readonly chunkBytes: number
  private readonly clock: Clock
  private readonly deliver: (chunk: Uint8Array) => void
  private readonly onDrain: (() => void) | undefined
  private pieces: Piece[] = []
  /** First piece not yet delivered. */
  private head = 0
  /** First piece not yet through the bucket. */
  private unpassed = 0
  private queued = 0
  private held = 0
  private delivered = 0
  private mustDrain = false
  /** When the queue of a waiting writer fell to half: the time `onDrain` was due. */
  private halfAt: number | undefined
  /** Set when `onDrain` was called, until the next write: how far back that write may catch up. */
  private catchUpFrom: number | undefined
  private paused = false
  private closedError: ShaperClosedError | undefined
  private timer: unknown
  private timerAt = Infinity
  private flushWaiters: Array<{ resolve: () => void, reject: (err: Error) => void }> = []

  constructor (init: ShaperInit) {
    if (!(Number.isFinite(init.delayMs) && init.delayMs >= 0)) throw new ShapingOptionError(`delayMs: ${init.delayMs} is not a delay of 0 ms or more`)
    this.delayMs = init.delayMs
    this.bucket = init.bucket
    this.chunkBytes = init.chunkBytes ?? CHUNK_BYTES
    if (!(Number.isInteger(this.chunkBytes) && this.chunkBytes >= 1)) throw new ShapingOptionError(`chunkBytes: ${init.chunkBytes} must be a positive integer`)
    this.maxQueuedBytes = init.maxQueuedBytes ?? Math.max(QUEUE_MIN_BYTES, Math.ceil((this.bucket?.bytesPerMs ?? 0) * QUEUE_MS))
    if (!(this.maxQueuedBytes >= 1)) throw new ShapingOptionError(`maxQueuedBytes: ${init.maxQueuedBytes} must be at least 1`)
    this.clock = init.clock ?? REAL_CLOCK
    this.deliver = init.deliver
    this.onDrain = init.onDrain
  }

  /** Bytes written and not yet through the bucket. */
  get queuedBytes (): number { return this.queued }
  /** Bytes written and not yet delivered (queued or in flight). */
  get heldBytes (): number { return this.held }
  /** Bytes delivered so far. */
  get deliveredBytes (): number { return this.delivered }
  get destroyed (): boolean { return this.closedError != null }

  /**
   * Queue `buf` (kept, not copied: do not change it afterwards). Returns false
   * when the writer should wait for `onDrain` before writing more; the bytes
   * are accepted either way.
   */
  write (buf: Uint8Array): boolean {
    if (this.closedError != null) throw this.closedError
    const now = this.clock.now()
    const earliest = this.catchUpFrom == null ? now : Math.max(this.catchUpFrom, now - CATCH_UP_MS)
    this.catchUpFrom = undefined
    for (let off = 0; off < buf.byteLength; off += this.chunkBytes) {
      const piece = buf.subarray(off, Math.min(buf.byteLength, off + this.chunkBytes))
      const passAt = this.bucket?.reserve(piece.byteLength, now, earliest) ?? now
      this.pieces.push({ buf: piece, passAt, dueAt: passAt + this.delayMs })
      this.queued += piece.byteLength
      this.held += piece.byteLength
    }
    this.pass(now)
    if (this.queued > this.maxQueuedBytes) this.mustDrain = true
    this.schedule(now)
    return !this.mustDrain
  }

  /** Hold deliveries (the far end cannot take more); pacing goes on. */
  pause (): void {
    this.paused = true
  }

  resume (): void {
    if (!this.paused) return
    this.paused = false
    if (this.closedError == null) this.tick()
  }

  /** Resolves when every byte written so far has been delivered; rejects if the shaper is destroyed first. */
  async flushed (): Promise<void> {
    if (this.closedError != null) throw this.closedError
    if (this.held === 0) return
    await new Promise<void>((resolve, reject) => { this.flushWaiters.push({ resolve, reject }) })
  }

  /** Drop everything held and stop; safe to call twice. */
  destroy (reason = 'shaper destroyed'): void {
    if (this.closedError != null) return
    this.closedError = new ShaperClosedError(reason)
    if (this.timer != null) this.clock.clearTimer(this.timer)
    this.timer = undefined
    this.pieces = []
    this.head = this.unpassed = this.queued = this.held = 0
    const waiters = this.flushWaiters
    this.flushWaiters = []
    for (const w of waiters) w.reject(this.closedError)
  }

  private pass (now: number): void {
    while (this.unpassed < this.pieces.length && this.pieces[this.unpassed]!.passAt <= now) {
      const piece = this.pieces[this.unpassed++]!
      this.queued -= piece.buf.byteLength
      if (this.mustDrain && this.halfAt == null && this.queued <= this.maxQueuedBytes / 2) this.halfAt = piece.passAt
    }
  }

  private tick (): void {
    if (this.timer != null) this.clock.clearTimer(this.timer)
    this.timer = undefined
    this.timerAt = Infinity
    const now = this.clock.now()
    this.pass(now + EARLY_MS)
    while (!this.paused && this.closedError == null && this.head < this.pieces.length && this.pieces[this.head]!.dueAt <= now + EARLY_MS) {
      const piece = this.pieces[this.head++]!
      this.held -= piece.buf.byteLength
      this.delivered += piece.buf.byteLength
      this.deliver(piece.buf)
    }
    if (this.closedError != null) return
    if (this.head > 1024 && this.head * 2 > this.pieces.length) {
      this.pieces = this.pieces.slice(this.head)
      this.unpassed -= this.head
      this.head = 0
    }
    if (this.held === 0) {
      const waiters = this.flushWaiters
      this.flushWaiters = []
      for (const w of waiters) w.resolve()
    }
    if (this.mustDrain && this.queued <= this.maxQueuedBytes / 2) {
      this.mustDrain = false
      this.catchUpFrom = this.halfAt ?? now
      this.halfAt = undefined
      this.onDrain?.()
    }
    this.schedule(this.clock.now())
  }

  /** One timer, for the next delivery, or (while a writer waits) the next passage through the bucket. */
  private schedule (now: number): void {
    if (this.closedError != null) return
    let at = Infinity
    if (!this.paused && this.head < this.pieces.length) at = this.pieces[this.head]!.dueAt
    if (this.mustDrain && this.unpassed < this.pieces.length) at = Math.min(at, this.pieces[this.unpassed]!.passAt)
    if (at >= this.timerAt) return
    if (this.timer != null) this.clock.clearTimer(this.timer)
    this.timer = undefined
    this.timerAt = Infinity
    if (at === Infinity) return
    this.timerAt = at
    this.timer = this.clock.setTimer(() => { this.tick() }, at - now <= EARLY_MS ? 0 : Math.max(1, Math.round(at - now)))
  }
}
