/**
 * QUORUM_PROTOCOL's messages: one length-prefixed UTF-8 JSON request and
 * one answer per stream. Small and rare (operator writes, forwarded
 * writes, reads from daemons that do not vote), so JSON over protobuf: the
 * admin API speaks the same shapes. Both sides check every field and every
 * size; errors travel by `name` and are rebuilt as the same classes.
 */
import { NotLeaderError } from '../raft/errors.js'
import { validateCommand } from '../targets/command.js'
import { InvalidTargetCommandError } from '../targets/errors.js'
import { NODE_ID_MAX_CHARS } from '../raft/constants.js'
import { REQUEST_ID_MAX_CHARS } from '../targets/constants.js'
import {
  QuorumAnswerTooLargeError, QuorumBusyError, QuorumProtocolError, QuorumRemoteError, QuorumStoppedError,
  QuorumUnavailableError, QuorumWriteRejectedError
} from './errors.js'
import { QUORUM_REQUEST_MAX_BYTES, QUORUM_RESPONSE_MAX_BYTES } from './constants.js'
import type { TargetWrite } from '../targets/command.js'
import type { QuorumStatus, TargetRow, WriteResult } from '../api.js'

export const RPC_VERSION = 1

export type QuorumRequest =
  | { v: 1, op: 'status' }
  | { v: 1, op: 'targets', layer?: string, region?: string }
  /** `leaderOnly`: the receiver must be the leader (a forward between seeds); otherwise any seed takes it and forwards once. */
  | { v: 1, op: 'write', requestId: string, writes: TargetWrite[], leaderOnly: boolean, timeoutMs: number }

export type QuorumAnswer = { status: QuorumStatus } | { targets: TargetRow[] } | { result: WriteResult }

export interface WireError { name: string, message: string, leaderId?: string | null }

type QuorumResponse = ({ ok: true } & QuorumAnswer) | { ok: false, error: WireError }

const MAX_TIMEOUT_MS = 10 * 60 * 1000
const ROLES = new Set(['leader', 'follower', 'pre-candidate', 'candidate', 'observer'])

export function encodeRequest (req: QuorumRequest): Uint8Array {
  const bytes = new TextEncoder().encode(JSON.stringify(req))
  if (bytes.byteLength > QUORUM_REQUEST_MAX_BYTES) throw new QuorumProtocolError(`a quorum request of ${bytes.byteLength} bytes; at most ${QUORUM_REQUEST_MAX_BYTES}`)
  return bytes
}

export function decodeRequest (bytes: Uint8Array): QuorumRequest {
  const o = parse(bytes, QUORUM_REQUEST_MAX_BYTES, 'request') as Record<string, unknown>
  if (o.v !== RPC_VERSION) throw new QuorumProtocolError(`unknown quorum request version ${JSON.stringify(o.v)}`)
  switch (o.op) {
    case 'status':
      return { v: 1, op: 'status' }
    case 'targets': {
      const req: QuorumRequest = { v: 1, op: 'targets' }
      if (o.layer != null) req.layer = str(o.layer, 'layer', 128)
      if (o.region != null) req.region = str(o.region, 'region', 128)
      return req
    }
    case 'write': {
      if (typeof o.leaderOnly !== 'boolean') throw new QuorumProtocolError('leaderOnly must be a boolean')
      if (!Number.isSafeInteger(o.timeoutMs) || (o.timeoutMs as number) <= 0 || (o.timeoutMs as number) > MAX_TIMEOUT_MS) throw new QuorumProtocolError(`timeoutMs must be an integer from 1 to ${MAX_TIMEOUT_MS}`)
      const requestId = str(o.requestId, 'requestId', REQUEST_ID_MAX_CHARS)
      const writes = o.writes as TargetWrite[]
      // The command's own rules; atMs is the leader's to stamp.
      validateCommand({ requestId, atMs: 0, writes })
      return { v: 1, op: 'write', requestId, writes, leaderOnly: o.leaderOnly, timeoutMs: o.timeoutMs as number }
    }
    default:
      throw new QuorumProtocolError(`unknown quorum request op ${JSON.stringify(o.op)}`)
  }
}

export function encodeAnswer (answer: QuorumAnswer): Uint8Array {
  const bytes = new TextEncoder().encode(JSON.stringify({ ok: true, ...answer }))
  if (bytes.byteLength > QUORUM_RESPONSE_MAX_BYTES) {
    const rows = 'targets' in answer ? `${answer.targets.length} targets ` : ''
    throw new QuorumAnswerTooLargeError(`the answer (${rows}${bytes.byteLength} bytes) is over the ${QUORUM_RESPONSE_MAX_BYTES}-byte limit of one answer; filter by layer or region`)
  }
  return bytes
}

export function encodeError (err: Error): Uint8Array {
  const known = ERRORS.has(err.name)
  const error: WireError = {
    name: known ? err.name : 'QuorumRemoteError',
    message: (known ? err.message : `${err.name}: ${err.message}`).slice(0, 4096)
  }
  if (err instanceof NotLeaderError || err.name === 'NotLeaderError') error.leaderId = (err as NotLeaderError).leaderId
  return new TextEncoder().encode(JSON.stringify({ ok: false, error }))
}

/** The answer, or the error it carries thrown as its own class. */
export function decodeResponse (bytes: Uint8Array, op: QuorumRequest['op']): QuorumAnswer {
  const o = parse(bytes, QUORUM_RESPONSE_MAX_BYTES, 'answer') as QuorumResponse
  if (o.ok === false) throw errorFromWire(o.error)
  if (o.ok !== true) throw new QuorumProtocolError('a quorum answer has ok true or false')
  if (op === 'status' && 'status' in o) return { status: checkStatus(o.status) }
  if (op === 'targets' && 'targets' in o && Array.isArray(o.targets)) return { targets: o.targets.map(checkRow) }
  if (op === 'write' && 'result' in o) return { result: checkResult(o.result) }
  throw new QuorumProtocolError(`a quorum answer to ${op} without its ${op === 'write' ? 'result' : op}`)
}

const ERRORS = new Map<string, (e: WireError) => Error>([
  ['QuorumUnavailableError', e => new QuorumUnavailableError(e.message, { reachable: 0, voters: 0, need: 0, leaderId: e.leaderId ?? null })],
  ['QuorumBusyError', e => new QuorumBusyError(e.message)],
  ['QuorumWriteRejectedError', e => new QuorumWriteRejectedError(e.message)],
  ['QuorumStoppedError', e => new QuorumStoppedError(e.message)],
  ['QuorumProtocolError', e => new QuorumProtocolError(e.message)],
  ['QuorumAnswerTooLargeError', e => new QuorumAnswerTooLargeError(e.message)],
  ['InvalidTargetCommandError', e => new InvalidTargetCommandError(e.message)],
  ['NotLeaderError', e => new NotLeaderError(typeof e.leaderId === 'string' && e.leaderId.length <= NODE_ID_MAX_CHARS ? e.leaderId : null)],
  ['QuorumRemoteError', e => new QuorumRemoteError('unknown', e.message)]
])

function errorFromWire (e: WireError): Error {
  if (e == null || typeof e.name !== 'string' || typeof e.message !== 'string') throw new QuorumProtocolError('a quorum error answer without name and message')
  const make = ERRORS.get(e.name)
  return make != null ? make(e) : new QuorumRemoteError(e.name.slice(0, 64), e.message)
}

function parse (bytes: Uint8Array, max: number, what: string): unknown {
  if (bytes.byteLength > max) throw new QuorumProtocolError(`a quorum ${what} of ${bytes.byteLength} bytes; at most ${max}`)
  let o: unknown
  try {
    o = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (err) {
    throw new QuorumProtocolError(`a quorum ${what} that is not JSON: ${(err as Error).message}`)
  }
  if (o == null || typeof o !== 'object' || Array.isArray(o)) throw new QuorumProtocolError(`a quorum ${what} is a JSON object`)
  return o
}

function str (v: unknown, field: string, max: number): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw new QuorumProtocolError(`${field} must be a string of 1 to ${max} characters`)
  return v
}

function count (v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new QuorumProtocolError(`${field} must be a non-negative integer`)
  return v
}

function checkRow (r: unknown): TargetRow {
  const t = r as TargetRow
  try {
    validateCommand({ requestId: 'row', atMs: 0, writes: [{ op: 'set', digest: t?.digest, region: t?.region, replicas: t?.replicas, reason: t?.reason }] })
  } catch (err) {
    throw new QuorumProtocolError(`a bad target in a quorum answer: ${(err as Error).message}`)
  }
  return { digest: t.digest, region: t.region, replicas: t.replicas, reason: t.reason, updatedAt: count(t.updatedAt, 'updatedAt') }
}

function checkResult (r: unknown): WriteResult {
  const w = r as WriteResult
  if (w == null || (w.status !== 'applied' && w.status !== 'duplicate')) throw new QuorumProtocolError('a write result has status applied or duplicate')
  return { index: count(w.index, 'index'), status: w.status }
}

function checkStatus (s: unknown): QuorumStatus {
  const o = s as QuorumStatus
  if (o == null || typeof o !== 'object' || !ROLES.has(o.role) || typeof o.seed !== 'boolean' || !Array.isArray(o.members)) {
    throw new QuorumProtocolError('a quorum status without role, seed and members')
  }
  const status: QuorumStatus = {
    id: str(o.id, 'id', NODE_ID_MAX_CHARS),
    seed: o.seed,
    role: o.role,
    term: count(o.term, 'term'),
    commitIndex: count(o.commitIndex, 'commitIndex'),
    appliedIndex: count(o.appliedIndex, 'appliedIndex'),
    members: o.members.slice(0, 64).map(m => {
      const member: QuorumStatus['members'][number] = { id: str(m?.id, 'member id', NODE_ID_MAX_CHARS), connected: m.connected === true }
      if (m.region != null) member.region = str(m.region, 'member region', 128)
      if (m.matchIndex != null) member.matchIndex = count(m.matchIndex, 'matchIndex')
      if (m.lag != null) member.lag = count(m.lag, 'lag')
      return member
    })
  }
  if (o.leader != null) status.leader = str(o.leader, 'leader', NODE_ID_MAX_CHARS)
  return status
}
