/**
 * A ShardHasher with one worker thread. A shard's buffer is transferred to the
 * worker and back (no copy) when the cutter owns it; a shard that is a view of
 * an input buffer is copied first (the caller's buffer is never moved). Small
 * shards, and shards beyond `maxInFlight`, are hashed inline: rather than
 * wait for a busy worker, the calling thread takes its share of the hashing.
 * The answer is the same; only where the work runs differs.
 *
 * One per process, built by the composition root and shared by every chunker;
 * the worker holds the event loop open only while it has work.
 */
import { Worker } from 'node:worker_threads'
import { OFF_THREAD_HASH_MIN_BYTES, WORKER_HASH_MAX_IN_FLIGHT } from './constants.js'
import { allocOwned } from './cutter.js'
import { HasherStoppedError, InvalidChunkerParamsError } from './errors.js'
import { inlineHasher, type HashedShard, type ShardHasher } from './hasher.js'

export interface WorkerHasherInit {
  /** Shards on the worker at once, over all chunkers; more are hashed inline. @default WORKER_HASH_MAX_IN_FLIGHT (2) */
  maxInFlight?: number
  /** Smaller shards are hashed inline (the round trip would cost more). @default OFF_THREAD_HASH_MIN_BYTES (64 KiB) */
  minBytes?: number
}

interface Request {
  resolve: (shard: HashedShard) => void
  reject: (err: Error) => void
  length: number
}

interface Reply { id: number, buffer: ArrayBuffer, sha256: ArrayBuffer }

// CommonJS, evaluated in the worker: nothing to resolve on disk, the same from src/ (tests) and dist/.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
parentPort.on('message', ({ id, buffer }) => {
  const d = createHash('sha256').update(new Uint8Array(buffer)).digest()
  const sha256 = d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength)
  parentPort.postMessage({ id, buffer, sha256 }, [buffer, sha256])
})
`

export class WorkerHasher implements ShardHasher {
  private readonly maxInFlight: number
  private readonly minBytes: number
  private worker: Worker | undefined
  private nextId = 0
  private readonly inFlight = new Map<number, Request>()

  constructor (init: WorkerHasherInit = {}) {
    for (const key of Object.keys(init)) {
      if (key !== 'maxInFlight' && key !== 'minBytes') throw new InvalidChunkerParamsError(`unknown WorkerHasher option ${JSON.stringify(key)}; the options are maxInFlight, minBytes`)
    }
    this.maxInFlight = init.maxInFlight ?? WORKER_HASH_MAX_IN_FLIGHT
    this.minBytes = init.minBytes ?? OFF_THREAD_HASH_MIN_BYTES
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) throw new InvalidChunkerParamsError(`maxInFlight must be a positive integer, got ${this.maxInFlight}`)
    if (!Number.isInteger(this.minBytes) || this.minBytes < 0) throw new InvalidChunkerParamsError(`minBytes must be a non-negative integer, got ${this.minBytes}`)
  }

  /** Start the worker. Safe to call twice. */
  async start (): Promise<void> {
    if (this.worker !== undefined) return
    // No execArgv: the worker needs only node: built-ins, not the parent's loaders.
    const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] })
    worker.unref()
    worker.on('message', (reply: Reply) => { this.onReply(reply) })
    worker.on('error', (err: Error) => { this.fail(worker, err) })
    worker.on('exit', code => { this.fail(worker, new HasherStoppedError(`the hash worker exited with code ${code}`)) })
    this.worker = worker
  }

  /** Stop the worker; shards still on it fail with HasherStoppedError. Later hashes run inline. Safe to call twice. */
  async stop (): Promise<void> {
    const worker = this.worker
    if (worker === undefined) return
    this.fail(worker, new HasherStoppedError('the hash worker was stopped'))
    await worker.terminate()
  }

  hash (bytes: Uint8Array, transferable: boolean): HashedShard | Promise<HashedShard> {
    const worker = this.worker
    if (worker === undefined || bytes.byteLength < this.minBytes || this.inFlight.size >= this.maxInFlight) {
      return inlineHasher.hash(bytes, transferable)
    }
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
    const own = transferable && whole ? bytes : copy(bytes)
    const id = this.nextId++
    return new Promise<HashedShard>((resolve, reject) => {
      this.inFlight.set(id, { resolve, reject, length: own.byteLength })
      if (this.inFlight.size === 1) worker.ref()
      worker.postMessage({ id, buffer: own.buffer }, [own.buffer as ArrayBuffer])
    })
  }

  private onReply ({ id, buffer, sha256 }: Reply): void {
    const req = this.inFlight.get(id)
    if (req === undefined) return
    this.inFlight.delete(id)
    if (this.inFlight.size === 0) this.worker?.unref()
    req.resolve({ bytes: new Uint8Array(buffer, 0, req.length), sha256: new Uint8Array(sha256) })
  }

  private fail (worker: Worker, err: Error): void {
    if (this.worker !== worker) return
    this.worker = undefined
    for (const req of this.inFlight.values()) req.reject(err)
    this.inFlight.clear()
  }
}

function copy (bytes: Uint8Array): Uint8Array {
  const out = allocOwned(bytes.byteLength)
  out.set(bytes)
  return out
}
