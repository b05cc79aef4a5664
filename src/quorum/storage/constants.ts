/** Raft storage layout and limits. */

/** The layout of a quorum LevelDB; a directory written by another layout is refused, not misread. */
export const STORAGE_FORMAT = 1

/** Key of the layout version. */
export const FORMAT_KEY = 'format'
/** Key of the hard state: term, vote and commit in one value, so term and vote always change together. */
export const HARD_STATE_KEY = 'hard'
/** Key of the newest snapshot (the state machine and the log position it covers). */
export const SNAPSHOT_KEY = 'snapshot'
/** Log entries are `e` followed by the index in 16 hex digits, so key order is log order. */
export const ENTRY_KEY_PREFIX = 'e'
/** Largest stored value; beyond it a value is corruption, not data (a snapshot message plus headroom). */
export { MESSAGE_MAX_BYTES as STORED_VALUE_MAX_BYTES } from '../raft/constants.js'
