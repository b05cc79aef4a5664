/**
 * Replica-target commands and their encoding in a Raft entry: UTF-8 JSON
 * with a version field, checked field by field on the way in and out. An
 * entry lives in the log (and on disk) until compacted, so a command must
 * decode the same way forever; `v` says how.
 */
import { COMMAND_MAX_BYTES, MAX_BATCH_WRITES, MAX_REPLICAS, REASON_MAX_CHARS, REGION_MAX_CHARS, REQUEST_ID_MAX_CHARS } from './constants.js'
import { InvalidTargetCommandError } from './errors.js'

export const COMMAND_VERSION = 1

const DIGEST = /^sha256:[0-9a-f]{64}$/
const REGION = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/** Keep `replicas` copies of layer `digest` in `region`. */
export interface SetWrite {
  op: 'set'
  digest: string
  region: string
  replicas: number
  reason: string
}

/** Forget the target of `digest` in `region` (back to the default policy). */
export interface ClearWrite {
  op: 'clear'
  digest: string
  region: string
}

export type TargetWrite = SetWrite | ClearWrite

export interface TargetCommand {
  /** Chosen by the client, unique per request; a retry reuses it and is applied at most once. */
  requestId: string
  /** When the leader accepted it, ms since the epoch; becomes `updatedAt`. Part of the command so apply stays deterministic. */
  atMs: number
  /** One write (set or clear) or a batch, applied atomically. */
  writes: TargetWrite[]
}

export function validateCommand (c: TargetCommand): void {
  if (c == null || typeof c !== 'object') throw new InvalidTargetCommandError('a command is an object')
  if (typeof c.requestId !== 'string' || c.requestId.length === 0 || c.requestId.length > REQUEST_ID_MAX_CHARS) {
    throw new InvalidTargetCommandError(`requestId must be a string of 1 to ${REQUEST_ID_MAX_CHARS} characters`)
  }
  if (!Number.isSafeInteger(c.atMs) || c.atMs < 0) throw new InvalidTargetCommandError('atMs must be a non-negative integer (ms since the epoch)')
  if (!Array.isArray(c.writes) || c.writes.length === 0 || c.writes.length > MAX_BATCH_WRITES) {
    throw new InvalidTargetCommandError(`writes must hold 1 to ${MAX_BATCH_WRITES} writes`)
  }
  for (const w of c.writes) validateWrite(w)
}

function validateWrite (w: TargetWrite): void {
  if (w == null || typeof w !== 'object') throw new InvalidTargetCommandError('a write is an object')
  if (typeof w.digest !== 'string' || !DIGEST.test(w.digest)) throw new InvalidTargetCommandError(`digest must be sha256:<64 lowercase hex>, not ${JSON.stringify(w.digest)}`)
  if (typeof w.region !== 'string' || w.region.length > REGION_MAX_CHARS || !REGION.test(w.region)) {
    throw new InvalidTargetCommandError(`region must be 1 to ${REGION_MAX_CHARS} of A-Z a-z 0-9 . _ - (starting with a letter or digit), not ${JSON.stringify(w.region)}`)
  }
  if (w.op === 'set') {
    if (!Number.isSafeInteger(w.replicas) || w.replicas < 0 || w.replicas > MAX_REPLICAS) throw new InvalidTargetCommandError(`replicas must be an integer from 0 to ${MAX_REPLICAS}`)
    if (typeof w.reason !== 'string' || w.reason.length > REASON_MAX_CHARS) throw new InvalidTargetCommandError(`reason must be a string of at most ${REASON_MAX_CHARS} characters`)
  } else if (w.op !== 'clear') {
    throw new InvalidTargetCommandError(`op must be "set" or "clear", not ${JSON.stringify((w as { op: unknown }).op)}`)
  }
}

export function encodeCommand (c: TargetCommand): Uint8Array {
  validateCommand(c)
  // Fields in a fixed order, so equal commands encode to equal bytes.
  const writes = c.writes.map(w => w.op === 'set'
    ? { op: w.op, digest: w.digest, region: w.region, replicas: w.replicas, reason: w.reason }
    : { op: w.op, digest: w.digest, region: w.region })
  const bytes = new TextEncoder().encode(JSON.stringify({ v: COMMAND_VERSION, requestId: c.requestId, atMs: c.atMs, writes }))
  if (bytes.byteLength > COMMAND_MAX_BYTES) throw new InvalidTargetCommandError(`the command encodes to ${bytes.byteLength} bytes; at most ${COMMAND_MAX_BYTES}`)
  return bytes
}

export function decodeCommand (bytes: Uint8Array): TargetCommand {
  if (bytes.byteLength > COMMAND_MAX_BYTES) throw new InvalidTargetCommandError(`a command of ${bytes.byteLength} bytes; at most ${COMMAND_MAX_BYTES}`)
  let raw: unknown
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (err) {
    throw new InvalidTargetCommandError(`not a command: ${(err as Error).message}`)
  }
  const o = raw as { v?: unknown, requestId: string, atMs: number, writes: TargetWrite[] }
  if (o == null || typeof o !== 'object' || o.v !== COMMAND_VERSION) throw new InvalidTargetCommandError(`unknown command version ${JSON.stringify(o?.v)}`)
  const c: TargetCommand = { requestId: o.requestId, atMs: o.atMs, writes: o.writes }
  validateCommand(c)
  return c
}
