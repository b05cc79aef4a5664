/** Checking what callers ask for, once, before anything goes over the wire or into the log. */
import { randomUUID } from 'node:crypto'
import { encodeCommand } from '../targets/command.js'
import { InvalidTargetCommandError } from '../targets/errors.js'
import { REGION_MAX_CHARS } from '../targets/constants.js'
import type { TargetWrite } from '../targets/command.js'
import type { ClearTargetInput, SetTargetInput, TargetFilter, TargetRow } from '../api.js'

const DIGEST = /^sha256:[0-9a-f]{64}$/

export interface WriteRequest {
  writes: TargetWrite[]
  requestId?: string | undefined
  signal?: AbortSignal | undefined
}

/** `set` as a write request (the same on every QuorumApi). */
export function setRequest (input: SetTargetInput): WriteRequest {
  return { writes: [{ op: 'set', digest: input.digest, region: input.region, replicas: input.replicas, reason: input.reason }], requestId: input.requestId, signal: input.signal }
}

/** `clear` as a write request. */
export function clearRequest (input: ClearTargetInput): WriteRequest {
  return { writes: [{ op: 'clear', digest: input.digest, region: input.region }], requestId: input.requestId, signal: input.signal }
}

/** The writes with only their own fields, and a request id (a new one when none was given). Throws InvalidTargetCommandError. */
export function writesOf (input: WriteRequest): { requestId: string, writes: TargetWrite[] } {
  const requestId = input.requestId ?? randomUUID()
  if (!Array.isArray(input.writes)) throw new InvalidTargetCommandError('writes must be an array')
  const writes = input.writes.map(w => (w?.op === 'set'
    ? { op: w.op, digest: w.digest, region: w.region, replicas: w.replicas, reason: w.reason ?? '' }
    : { op: w?.op, digest: w?.digest, region: w?.region }) as TargetWrite)
  // Encoding checks every field and the size, exactly as the leader will.
  encodeCommand({ requestId, atMs: 0, writes })
  return { requestId, writes }
}

export function checkFilter (filter: TargetFilter): void {
  if (filter.layer != null && (typeof filter.layer !== 'string' || !DIGEST.test(filter.layer))) {
    throw new InvalidTargetCommandError(`layer must be sha256:<64 lowercase hex>, not ${JSON.stringify(filter.layer).slice(0, 80)}`)
  }
  if (filter.region != null && (typeof filter.region !== 'string' || filter.region.length === 0 || filter.region.length > REGION_MAX_CHARS)) {
    throw new InvalidTargetCommandError(`region must be a string of 1 to ${REGION_MAX_CHARS} characters`)
  }
}

export function filterRows (rows: TargetRow[], filter: TargetFilter): TargetRow[] {
  return rows.filter(r => (filter.layer == null || r.digest === filter.layer) && (filter.region == null || r.region === filter.region))
}
