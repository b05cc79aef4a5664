/**
 * The wire format of Raft messages: protobuf (`raft-messages.proto`), one
 * flat message whose fields' meaning depends on its type, as in etcd/raft.
 * Decoding is strict: a size beyond its limit is a MessageTooLargeError,
 * and anything the core could trip on (an unknown type, a missing field, a
 * gap in the entries, an entry from a later term than its message, a
 * configuration entry that does not decode) is a MalformedMessageError, so
 * the core only ever sees well-formed messages. The simulator sends every
 * message through here, and so will the libp2p transport.
 */
import { decodeConfig, makeConfig } from './config.js'
import { ENTRY_MAX_BYTES, MAX_ENTRIES_PER_MESSAGE, MAX_VOTERS, MESSAGE_MAX_BYTES, NODE_ID_MAX_CHARS, READ_CONTEXT_MAX_CHARS, SNAPSHOT_MAX_BYTES } from './constants.js'
import { MalformedMessageError, MessageTooLargeError } from './errors.js'
import { EntryKind as WireKind, MessageType as WireType, RaftMessage } from './raft-messages.js'
import type { Entry, EntryKind, Message, MessageType, Snapshot } from './types.js'

const TO_WIRE_TYPE: Record<MessageType, WireType> = {
  vote: WireType.VOTE,
  'vote-response': WireType.VOTE_RESPONSE,
  'pre-vote': WireType.PRE_VOTE,
  'pre-vote-response': WireType.PRE_VOTE_RESPONSE,
  append: WireType.APPEND,
  'append-response': WireType.APPEND_RESPONSE,
  heartbeat: WireType.HEARTBEAT,
  'heartbeat-response': WireType.HEARTBEAT_RESPONSE,
  snapshot: WireType.SNAPSHOT,
  'read-index': WireType.READ_INDEX,
  'read-index-response': WireType.READ_INDEX_RESPONSE
}
const FROM_WIRE_TYPE = new Map<WireType, MessageType>(Object.entries(TO_WIRE_TYPE).map(([k, v]) => [v, k as MessageType]))

const TO_WIRE_KIND: Record<EntryKind, WireKind> = { noop: WireKind.NOOP, command: WireKind.COMMAND, config: WireKind.CONFIG }
const FROM_WIRE_KIND = new Map<WireKind, EntryKind>(Object.entries(TO_WIRE_KIND).map(([k, v]) => [v, k as EntryKind]))

export function encodeMessage (m: Message): Uint8Array {
  // Check our own output as strictly as a peer will: a message we would refuse must not leave.
  validate(m)
  const wire: Partial<RaftMessage> = { type: TO_WIRE_TYPE[m.type], from: m.from, to: m.to, term: m.term }
  switch (m.type) {
    case 'vote':
    case 'pre-vote':
      wire.index = m.lastIndex
      wire.logTerm = m.lastTerm
      break
    case 'vote-response':
    case 'pre-vote-response':
      wire.reject = !m.granted
      break
    case 'append':
      wire.index = m.prevIndex
      wire.logTerm = m.prevTerm
      wire.commit = m.commit
      wire.entries = m.entries.map(e => ({ index: e.index, term: e.term, kind: TO_WIRE_KIND[e.kind], data: e.data as Uint8Array<ArrayBuffer> }))
      break
    case 'append-response':
      wire.index = m.index
      wire.reject = m.reject
      wire.hintIndex = m.hintIndex
      wire.logTerm = m.hintTerm
      break
    case 'heartbeat':
      wire.commit = m.commit
      wire.context = m.context
      break
    case 'heartbeat-response':
    case 'read-index':
      wire.context = m.context
      break
    case 'snapshot':
      wire.snapshot = { index: m.snapshot.index, term: m.snapshot.term, config: { voters: m.snapshot.config.voters }, data: m.snapshot.data as Uint8Array<ArrayBuffer> }
      break
    case 'read-index-response':
      wire.context = m.context
      wire.index = m.index
      break
  }
  const bytes = RaftMessage.encode(wire)
  if (bytes.byteLength > MESSAGE_MAX_BYTES) throw new MessageTooLargeError(`a ${m.type} message of ${bytes.byteLength} bytes is over MESSAGE_MAX_BYTES (${MESSAGE_MAX_BYTES})`)
  return bytes
}

export function decodeMessage (bytes: Uint8Array): Message {
  if (bytes.byteLength > MESSAGE_MAX_BYTES) throw new MessageTooLargeError(`a message of ${bytes.byteLength} bytes is over MESSAGE_MAX_BYTES (${MESSAGE_MAX_BYTES})`)
  let w: RaftMessage
  try {
    w = RaftMessage.decode(bytes, { limits: { entries: MAX_ENTRIES_PER_MESSAGE } })
  } catch (err) {
    const name = (err as Error).name
    if (name === 'MaxLengthError' || name === 'MaxSizeError') throw new MessageTooLargeError(`Raft message: ${(err as Error).message}`)
    throw new MalformedMessageError(`not a Raft message: ${(err as Error).message}`)
  }
  const type = FROM_WIRE_TYPE.get(w.type)
  if (type == null) throw new MalformedMessageError(`unknown Raft message type ${String(w.type)}`)
  if (type !== 'append' && w.entries.length > 0) throw new MalformedMessageError(`a ${type} message carries no entries`)
  if (type !== 'snapshot' && w.snapshot != null) throw new MalformedMessageError(`a ${type} message carries no snapshot`)
  const base = { from: w.from, to: w.to, term: w.term }
  let m: Message
  switch (type) {
    case 'vote':
    case 'pre-vote':
      m = { type, ...base, lastIndex: w.index, lastTerm: w.logTerm }
      break
    case 'vote-response':
    case 'pre-vote-response':
      m = { type, ...base, granted: !w.reject }
      break
    case 'append':
      m = { type, ...base, prevIndex: w.index, prevTerm: w.logTerm, commit: w.commit, entries: w.entries.map(fromWireEntry) }
      break
    case 'append-response':
      m = { type, ...base, index: w.index, reject: w.reject, hintIndex: w.hintIndex, hintTerm: w.logTerm }
      break
    case 'heartbeat':
      m = { type, ...base, commit: w.commit, context: w.context }
      break
    case 'heartbeat-response':
    case 'read-index':
      m = { type, ...base, context: w.context }
      break
    case 'snapshot': {
      const s = w.snapshot
      if (s == null) throw new MalformedMessageError('a snapshot message without its snapshot')
      let config
      try {
        config = makeConfig(s.config?.voters ?? [])
      } catch (err) {
        throw new MalformedMessageError(`snapshot configuration: ${(err as Error).message}`)
      }
      m = { type, ...base, snapshot: { index: s.index, term: s.term, config, data: s.data.slice() } }
      break
    }
    case 'read-index-response':
      m = { type, ...base, context: w.context, index: w.index }
      break
  }
  validate(m)
  return m
}

function fromWireEntry (e: { index: number, term: number, kind: WireKind, data: Uint8Array }): Entry {
  const kind = FROM_WIRE_KIND.get(e.kind)
  if (kind == null) throw new MalformedMessageError(`unknown entry kind ${String(e.kind)}`)
  // Copy: the entry outlives the receive buffer it was decoded from.
  return { index: e.index, term: e.term, kind, data: e.data.slice() }
}

/** What every message must satisfy, sent or received. */
function validate (m: Message): void {
  id(m.from, 'from')
  id(m.to, 'to')
  count(m.term, 'term')
  switch (m.type) {
    case 'vote':
    case 'pre-vote':
      count(m.lastIndex, 'lastIndex')
      count(m.lastTerm, 'lastTerm')
      if (m.lastTerm > m.term) throw new MalformedMessageError(`a ${m.type} whose last log term ${m.lastTerm} is beyond its term ${m.term}`)
      break
    case 'append':
      count(m.prevIndex, 'prevIndex')
      count(m.prevTerm, 'prevTerm')
      count(m.commit, 'commit')
      validateEntries(m.entries, m.prevIndex, m.prevTerm, m.term)
      break
    case 'append-response':
      count(m.index, 'index')
      count(m.hintIndex, 'hintIndex')
      count(m.hintTerm, 'hintTerm')
      break
    case 'heartbeat':
      count(m.commit, 'commit')
      context(m.context, true)
      break
    case 'heartbeat-response':
      context(m.context, true)
      break
    case 'read-index':
      context(m.context, false)
      break
    case 'read-index-response':
      context(m.context, false)
      count(m.index, 'index')
      break
    case 'snapshot':
      validateSnapshot(m.snapshot, m.term)
      break
    default:
      break
  }
}

function validateEntries (entries: Entry[], prevIndex: number, prevTerm: number, term: number): void {
  if (entries.length > MAX_ENTRIES_PER_MESSAGE) throw new MessageTooLargeError(`${entries.length} entries in one message; at most ${MAX_ENTRIES_PER_MESSAGE}`)
  let index = prevIndex
  let lastTerm = prevTerm
  for (const e of entries) {
    // Log Matching relies on these: indexes follow on, terms never go down, and none is from a later term than the leader's.
    if (e.index !== index + 1) throw new MalformedMessageError(`entry ${e.index} where ${index + 1} was expected`)
    count(e.term, 'entry term')
    if (e.term < lastTerm || e.term > term || e.term === 0) throw new MalformedMessageError(`entry ${e.index} has term ${e.term} after term ${lastTerm} in a term-${term} message`)
    if (e.data.byteLength > ENTRY_MAX_BYTES) throw new MessageTooLargeError(`entry ${e.index} has ${e.data.byteLength} bytes; at most ${ENTRY_MAX_BYTES}`)
    if (e.kind === 'config') decodeConfig(e.data)
    index = e.index
    lastTerm = e.term
  }
}

function validateSnapshot (s: Snapshot, term: number): void {
  count(s.index, 'snapshot index')
  count(s.term, 'snapshot term')
  if (s.index === 0 || s.term === 0 || s.term > term) throw new MalformedMessageError(`snapshot at ${s.index} of term ${s.term} in a term-${term} message`)
  if (s.config.voters.length === 0 || s.config.voters.length > MAX_VOTERS) throw new MalformedMessageError(`snapshot configuration has ${s.config.voters.length} voters`)
  if (s.data.byteLength > SNAPSHOT_MAX_BYTES) throw new MessageTooLargeError(`snapshot of ${s.data.byteLength} bytes; at most ${SNAPSHOT_MAX_BYTES}`)
}

function id (value: string, field: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > NODE_ID_MAX_CHARS) {
    throw new MalformedMessageError(`${field} must be a node id of 1 to ${NODE_ID_MAX_CHARS} characters`)
  }
}

function count (value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new MalformedMessageError(`${field} must be a non-negative integer, not ${value}`)
}

function context (value: string, mayBeEmpty: boolean): void {
  if (typeof value !== 'string' || value.length > READ_CONTEXT_MAX_CHARS || (!mayBeEmpty && value.length === 0)) {
    throw new MalformedMessageError(`context must be a string of ${mayBeEmpty ? 0 : 1} to ${READ_CONTEXT_MAX_CHARS} characters`)
  }
}
