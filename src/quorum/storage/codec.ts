/**
 * How the Raft state is laid out in LevelDB: keys, and the bytes of each
 * value. Entries and snapshots reuse the wire protobufs (`Entry`,
 * `Snapshot` of raft-messages.proto), so what is stored is what was sent;
 * the hard state is JSON. Every value is checked on the way back in: a
 * value that does not decode is a CorruptStateError, never a guess.
 */
import { makeConfig } from '../raft/config.js'
import { CorruptStateError } from '../raft/errors.js'
import { Entry as WireEntry, EntryKind as WireKind, Snapshot as WireSnapshot } from '../raft/raft-messages.js'
import { ENTRY_KEY_PREFIX, STORED_VALUE_MAX_BYTES } from './constants.js'
import type { Entry, EntryKind, HardState, Snapshot } from '../raft/types.js'

const TO_WIRE_KIND: Record<EntryKind, WireKind> = { noop: WireKind.NOOP, command: WireKind.COMMAND, config: WireKind.CONFIG }
const FROM_WIRE_KIND = new Map<WireKind, EntryKind>(Object.entries(TO_WIRE_KIND).map(([k, v]) => [v, k as EntryKind]))
const INDEX_HEX_DIGITS = 16
const ENTRY_KEY = new RegExp(`^${ENTRY_KEY_PREFIX}[0-9a-f]{${INDEX_HEX_DIGITS}}$`)

export function entryKey (index: number): string {
  return ENTRY_KEY_PREFIX + index.toString(16).padStart(INDEX_HEX_DIGITS, '0')
}

/** The index in an entry key, or undefined for a key that is not one. */
export function indexOfEntryKey (key: string): number | undefined {
  if (!ENTRY_KEY.test(key)) return undefined
  const index = Number.parseInt(key.slice(ENTRY_KEY_PREFIX.length), 16)
  return Number.isSafeInteger(index) ? index : undefined
}

/** The first and past-the-last keys of the entries, for range reads. */
export const ENTRY_RANGE = { gte: entryKey(0), lt: ENTRY_KEY_PREFIX + 'g' }

export function encodeEntry (e: Entry): Uint8Array {
  return WireEntry.encode({ index: e.index, term: e.term, kind: TO_WIRE_KIND[e.kind], data: e.data as Uint8Array<ArrayBuffer> })
}

export function decodeEntry (bytes: Uint8Array, key: string): Entry {
  checkSize(bytes, key)
  let w: WireEntry
  try {
    w = WireEntry.decode(bytes)
  } catch (err) {
    throw new CorruptStateError(`stored entry ${key} does not decode: ${(err as Error).message}`)
  }
  const kind = FROM_WIRE_KIND.get(w.kind)
  if (kind == null) throw new CorruptStateError(`stored entry ${key} has unknown kind ${String(w.kind)}`)
  if (!positive(w.index) || !positive(w.term)) throw new CorruptStateError(`stored entry ${key} has index ${w.index} and term ${w.term}`)
  return { index: w.index, term: w.term, kind, data: w.data.slice() }
}

export function encodeSnapshot (s: Snapshot): Uint8Array {
  return WireSnapshot.encode({ index: s.index, term: s.term, config: { voters: s.config.voters }, data: s.data as Uint8Array<ArrayBuffer> })
}

export function decodeSnapshot (bytes: Uint8Array): Snapshot {
  checkSize(bytes, 'snapshot')
  let w: WireSnapshot
  try {
    w = WireSnapshot.decode(bytes)
  } catch (err) {
    throw new CorruptStateError(`stored snapshot does not decode: ${(err as Error).message}`)
  }
  if (!positive(w.index) || !positive(w.term)) throw new CorruptStateError(`stored snapshot has index ${w.index} and term ${w.term}`)
  let config
  try {
    config = makeConfig(w.config?.voters ?? [])
  } catch (err) {
    throw new CorruptStateError(`stored snapshot configuration: ${(err as Error).message}`)
  }
  if (config.voters.length === 0) throw new CorruptStateError('stored snapshot has no voters')
  return { index: w.index, term: w.term, config, data: w.data.slice() }
}

export function encodeHardState (h: HardState): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ term: h.term, vote: h.vote, commit: h.commit }))
}

export function decodeHardState (bytes: Uint8Array): HardState {
  checkSize(bytes, 'hard state')
  let o: { term?: unknown, vote?: unknown, commit?: unknown }
  try {
    o = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as typeof o
  } catch (err) {
    throw new CorruptStateError(`stored hard state does not decode: ${(err as Error).message}`)
  }
  if (o == null || typeof o !== 'object' || !count(o.term) || !count(o.commit) || !(o.vote === null || (typeof o.vote === 'string' && o.vote.length > 0))) {
    throw new CorruptStateError(`stored hard state is not {term, vote, commit}: ${JSON.stringify(o)}`)
  }
  return { term: o.term as number, vote: o.vote, commit: o.commit as number }
}

function checkSize (bytes: Uint8Array, what: string): void {
  if (bytes.byteLength > STORED_VALUE_MAX_BYTES) throw new CorruptStateError(`stored ${what} is ${bytes.byteLength} bytes; at most ${STORED_VALUE_MAX_BYTES}`)
}

function count (v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}

function positive (v: number): boolean {
  return Number.isSafeInteger(v) && v > 0
}
