/**
 * Pull bytes from an async iterable of chunks in the sizes a tar reader
 * wants: exact blocks for headers, bounded slices for bodies (views of the
 * source's chunks, not copies), and skips. Counts the bytes read, enforces
 * the total-bytes limit and checks the abort signal at every chunk.
 */
import { raceAbort } from '../../registry/deferred.js'
import { InventoryLimitError, TarFormatError } from './errors.js'

const EMPTY = new Uint8Array(0)

export interface ByteReaderInit {
  signal?: AbortSignal
  maxTotalBytes: number
}

export class ByteReader {
  /** Bytes handed out (or skipped) so far: the offset of the next byte. */
  offset = 0
  readonly #iterator: AsyncIterator<Uint8Array>
  readonly #signal: AbortSignal | undefined
  readonly #maxTotalBytes: number
  #chunk: Uint8Array = EMPTY
  #pos = 0
  #received = 0
  #done = false
  /** A `next()` of the source still unsettled (abort won the race against it). */
  #pending: Promise<IteratorResult<Uint8Array>> | undefined

  constructor (source: AsyncIterable<Uint8Array>, init: ByteReaderInit) {
    this.#iterator = source[Symbol.asyncIterator]()
    this.#signal = init.signal
    this.#maxTotalBytes = init.maxTotalBytes
  }

  /** Bytes buffered and not yet handed out. */
  get #buffered (): number {
    return this.#chunk.length - this.#pos
  }

  /** Make at least one unread byte available; false at the end of the source. */
  async #fill (): Promise<boolean> {
    while (this.#buffered === 0) {
      this.#signal?.throwIfAborted()
      if (this.#done) return false
      this.#pending = this.#iterator.next()
      const { value, done } = await raceAbort(this.#pending, this.#signal)
      this.#pending = undefined
      if (done === true) {
        this.#done = true
        return false
      }
      this.#received += value.length
      if (this.#received > this.#maxTotalBytes) {
        throw new InventoryLimitError('maxTotalBytes', this.#maxTotalBytes, `the layer holds more than ${this.#maxTotalBytes} bytes of tar`)
      }
      this.#chunk = value
      this.#pos = 0
    }
    return true
  }

  /**
   * Exactly `n` bytes (a copy when they span chunks, a view otherwise), or
   * null when the source ended before the first of them. A source that ends
   * part way is a truncated tar.
   */
  async readExact (n: number, what: string): Promise<Uint8Array | null> {
    if (!await this.#fill()) return null
    if (this.#buffered >= n) return this.#take(n)
    const out = new Uint8Array(n)
    let filled = 0
    while (filled < n) {
      if (!await this.#fill()) {
        throw new TarFormatError(`the tar stream ends inside ${what}: ${filled} of ${n} bytes`, this.offset)
      }
      const part = this.#take(Math.min(n - filled, this.#buffered))
      out.set(part, filled)
      filled += part.length
    }
    return out
  }

  /** Up to `max` (> 0) bytes, a view of the current chunk. The source ending first is a truncated tar. */
  async readSome (max: number, what: string): Promise<Uint8Array> {
    if (!await this.#fill()) {
      throw new TarFormatError(`the tar stream ends inside ${what}`, this.offset)
    }
    return this.#take(Math.min(max, this.#buffered))
  }

  /** Drop `n` bytes. The source ending first is a truncated tar. */
  async skip (n: number, what: string): Promise<void> {
    let left = n
    while (left > 0) {
      if (!await this.#fill()) {
        throw new TarFormatError(`the tar stream ends inside ${what}: ${left} bytes missing`, this.offset)
      }
      left -= this.#take(Math.min(left, this.#buffered)).length
    }
  }

  /** Release the source (stops a decompressor, closes a file). Safe to call twice. */
  async close (): Promise<void> {
    if (this.#done) return
    this.#done = true
    this.#chunk = EMPTY
    this.#pos = 0
    const returned = this.#iterator.return?.()
    // A source stuck in a read it will never finish (the abort won that race)
    // must not hold up the caller: its return is queued behind that read.
    if (this.#pending != null) {
      returned?.catch(() => {})
      return
    }
    await returned
  }

  #take (n: number): Uint8Array {
    const view = this.#chunk.subarray(this.#pos, this.#pos + n)
    this.#pos += n
    this.offset += n
    return view
  }
}
