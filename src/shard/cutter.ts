/**
 * The FastCDC state machine over a stream of buffers: no boundary before
 * minBytes (those bytes are not even hashed), the hard mask up to avgBytes,
 * the easy mask after it, a forced boundary at maxBytes. Synchronous and
 * hash-free, so the chunker can overlap cutting with hashing.
 *
 * A shard that lies inside one input buffer is a view of it (no copy); one
 * that spans buffers is copied once into its own buffer when it is complete.
 * Until then it is a list of views, except that the bytes of small input
 * buffers are copied into a staging buffer, so a stream of tiny buffers cannot
 * grow the list.
 */
import { SMALL_INPUT_BYTES, STAGE_BYTES } from './constants.js'
import { createGearScanner, gearMasks, type GearMasks, type GearScanner } from './gear.js'
import type { ChunkerParams } from './types.js'

/** A cut shard: its bytes and where they are in the blob. */
export interface Cut {
  offset: number
  bytes: Uint8Array
  /** The bytes are the whole of a buffer the cutter allocated (so it may be transferred); else a view of an input or staging buffer. */
  owned: boolean
}

const NONE: readonly Cut[] = Object.freeze([])

export class Cutter {
  private readonly masks: GearMasks
  /** Blob offset of the shard being cut. */
  private offset = 0
  /** Bytes of the shard being cut, so far. */
  private length = 0
  private readonly parts: Uint8Array[] = []
  private stage: Uint8Array | undefined
  private stageStart = 0
  private stageEnd = 0
  /** The input buffer the last part is a view of, and the view's bounds, so the next piece can widen it. */
  private viewOf: Uint8Array | undefined
  private viewStart = 0
  private viewEnd = 0

  constructor (private readonly params: ChunkerParams, private readonly scanner: GearScanner = createGearScanner()) {
    this.masks = gearMasks(params.avgBytes)
    scanner.reset()
  }

  /** Take one input buffer; the shards it completes. Its bytes may end up as views in them. */
  push (buf: Uint8Array): readonly Cut[] {
    const { minBytes, avgBytes, maxBytes } = this.params
    let out: Cut[] | undefined
    let pos = 0
    while (pos < buf.byteLength) {
      if (this.length < minBytes) {
        const end = Math.min(buf.byteLength, pos + minBytes - this.length)
        this.append(buf, pos, end)
        pos = end
        continue
      }
      const hard = this.length < avgBytes
      const limit = Math.min(buf.byteLength, pos + (hard ? avgBytes : maxBytes) - this.length)
      const boundary = this.scanner.scan(buf, pos, limit, hard ? this.masks.hard : this.masks.easy)
      const end = boundary < 0 ? limit : boundary
      this.append(buf, pos, end)
      pos = end
      if (boundary >= 0 || this.length === maxBytes) (out ??= []).push(this.emit())
    }
    return out ?? NONE
  }

  /** End of input: the last shard, if any bytes are left (it may be shorter than minBytes). */
  end (): Cut | undefined {
    return this.length > 0 ? this.emit() : undefined
  }

  private append (buf: Uint8Array, from: number, to: number): void {
    const n = to - from
    if (n === 0) return
    this.length += n
    if (buf.byteLength >= SMALL_INPUT_BYTES) {
      if (this.viewOf === buf && this.viewEnd === from) {
        // The next bytes of the same input buffer: widen the last view.
        this.parts[this.parts.length - 1] = buf.subarray(this.viewStart, to)
      } else {
        this.flushStage()
        this.parts.push(buf.subarray(from, to))
        this.viewOf = buf
        this.viewStart = from
      }
      this.viewEnd = to
      return
    }
    this.viewOf = undefined
    if (this.stage === undefined || this.stage.byteLength - this.stageEnd < n) {
      this.flushStage()
      this.stage = new Uint8Array(STAGE_BYTES)
      this.stageStart = this.stageEnd = 0
    }
    this.stage.set(buf.subarray(from, to), this.stageEnd)
    this.stageEnd += n
  }

  private flushStage (): void {
    if (this.stage === undefined || this.stageEnd === this.stageStart) return
    this.parts.push(this.stage.subarray(this.stageStart, this.stageEnd))
    this.stageStart = this.stageEnd
  }

  private emit (): Cut {
    this.flushStage()
    const owned = this.parts.length > 1
    const bytes = owned ? concat(this.parts, this.length) : this.parts[0]!
    const cut = { offset: this.offset, bytes, owned }
    this.offset += this.length
    this.length = 0
    this.parts.length = 0
    this.viewOf = undefined
    this.scanner.reset()
    return cut
  }
}

function concat (parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = allocOwned(length)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}

/** A Uint8Array that is the whole of its own ArrayBuffer, not zero-filled (the caller writes every byte): reused heap memory costs much less than fresh zeroed pages. */
export function allocOwned (length: number): Uint8Array {
  const b = Buffer.allocUnsafeSlow(length)
  return new Uint8Array(b.buffer, b.byteOffset, length)
}
