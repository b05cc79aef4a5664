/**
 * The file under yauzl, read through two cached windows. yauzl reads every
 * central-directory record and every local header with its own small read,
 * and streams each entry through a new inflate stream: for an OSV export of
 * 500,000 small records that is over a million system calls and streams,
 * and dominated the ingest. Both cursors (the central directory at the end
 * of the file, the entries from its start) move forward, so one window
 * each, refilled from the position asked for, turns nearly every read into
 * a copy; entries are then inflated in one synchronous call. Memory is two
 * windows, whatever the size of the zip.
 */
import { close, fstat, open, read } from 'node:fs'
import { promisify } from 'node:util'
import { Readable } from 'node:stream'
import yauzl from 'yauzl'
import { MiB } from '../../node/constants.js'

/** Bytes per window. */
const WINDOW_BYTES = 1 * MiB

interface Window { start: number, length: number, buf: Buffer, usedAt: number }

type Done = (err: Error | null, data?: Buffer) => void

export class WindowedFileReader extends yauzl.RandomAccessReader {
  readonly #fd: number
  readonly #windows: Window[] = [0, 1].map(() => ({ start: 0, length: 0, buf: Buffer.alloc(0), usedAt: 0 }))
  #uses = 0
  /** Reads waiting for a refill to finish: a window is refilled in place, one read at a time. */
  #waiting: Array<() => void> | undefined

  private constructor (fd: number, readonly sizeBytes: number) {
    super()
    this.#fd = fd
  }

  static async open (path: string): Promise<WindowedFileReader> {
    const fd = await promisify(open)(path, 'r')
    try {
      const { size } = await promisify(fstat)(fd)
      return new WindowedFileReader(fd, size)
    } catch (err) {
      close(fd, () => {})
      throw err
    }
  }

  /** `length` bytes at `position` (fewer at the end of the file). The buffer is only valid until the next read. */
  async range (position: number, length: number): Promise<Buffer> {
    return await new Promise((resolve, reject) => {
      this.#range(position, length, (err, data) => { if (err != null) reject(err); else resolve(data as Buffer) })
    })
  }

  #range (position: number, length: number, done: Done): void {
    if (this.#waiting != null) {
      this.#waiting.push(() => { this.#range(position, length, done) })
      return
    }
    const end = position + length
    const hit = this.#windows.find(w => w.start <= position && end <= w.start + w.length)
    if (hit != null) {
      done(null, this.#view(hit, position, length))
      return
    }
    if (length > WINDOW_BYTES / 2) {
      const buf = Buffer.alloc(length)
      this.#refill(buf, length, position, (err, bytesRead) => { done(err, buf.subarray(0, bytesRead)) })
      return
    }
    const w = this.#windows.reduce((a, b) => a.usedAt <= b.usedAt ? a : b)
    if (w.buf.length === 0) w.buf = Buffer.alloc(WINDOW_BYTES)
    this.#refill(w.buf, Math.min(WINDOW_BYTES, Math.max(0, this.sizeBytes - position)), position, (err, bytesRead) => {
      w.start = position
      w.length = err == null ? bytesRead : 0
      done(err, this.#view(w, position, length))
    })
  }

  #view (w: Window, position: number, length: number): Buffer {
    w.usedAt = ++this.#uses
    const from = position - w.start
    return w.buf.subarray(from, Math.min(from + length, w.length))
  }

  #refill (buf: Buffer, length: number, position: number, done: (err: Error | null, bytesRead: number) => void): void {
    this.#waiting = []
    read(this.#fd, buf, 0, length, position, (err, bytesRead) => {
      const waiting = this.#waiting ?? []
      this.#waiting = undefined
      done(err, bytesRead)
      for (const next of waiting) next()
    })
  }

  override read (buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null, bytesRead?: number) => void): void {
    this.#range(position, length, (err, src) => {
      if (err != null || src == null) { setImmediate(callback, err); return }
      src.copy(buffer, offset)
      setImmediate(callback, null, src.length)
    })
  }

  override _readStreamForRange (start: number, end: number): Readable {
    // yauzl's own entry streams; this module reads entries with `range` instead
    const chunk = async (): Promise<Buffer> => Buffer.from(await this.range(start, end - start))
    return Readable.from((async function * () { yield await chunk() })())
  }

  override close (callback: (err: Error | null) => void): void {
    close(this.#fd, err => { callback(err) })
  }
}
