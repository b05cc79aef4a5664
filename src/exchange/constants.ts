import { KiB, MiB, second } from '../node/constants.js'
import { MAX_MAX_BYTES } from '../shard/constants.js'

export const SHARD_PROTOCOL = '/shoal/shard/1.0.0'
export const HAVE_PROTOCOL = '/shoal/have/1.0.0'
export const INDEX_PROTOCOL = '/shoal/index/1.0.0'

/** Largest request message (a CID or a digest, with room to spare). */
export const MAX_REQUEST_BYTES = 1 * KiB
/** Largest response header. */
export const MAX_HEADER_BYTES = 4 * KiB
/** Largest shard a peer may send: the largest the chunker can cut (its default max is 4 MiB). */
export const MAX_SHARD_BYTES = MAX_MAX_BYTES
/** Largest encoded shard index (about 80 000 shards). */
export const MAX_INDEX_BYTES = 8 * MiB
/** Largest list of shards in one partial-index answer (the asker asks again for the rest). */
export const MAX_PARTIAL_SHARDS = 4096
/** Server: longest a partial-index request is held open waiting for a new shard. */
export const MAX_PARTIAL_WAIT_MS = 5 * second
/** Client: how long a partial-index request asks the peer to wait for a new shard. */
export const PARTIAL_WAIT_MS = 2 * second
/** Client: partial-index requests in a row that may fail (time out, reset) before following a growing blob is given up. */
export const GROWING_TAIL_ATTEMPTS = 4
/** Largest have bitmap. */
export const MAX_HAVE_BYTES = 64 * KiB

/** Server: shard streams served at once to one peer; more get BUSY. */
export const SERVE_STREAMS_PER_PEER = 8
/** Server: shard bytes being sent to one peer at once; more get BUSY. */
export const SERVE_BYTES_PER_PEER = 32 * MiB
/**
 * Server: shard streams served at once in all; more get BUSY and go to other
 * holders. An uplink is shared by every stream on it, so each extra stream
 * slows all the others: 16 shards of about 1 MiB keep a 1 Gbit/s link busy
 * for 130 ms, while on a 25 Mbit/s uplink 64 of them took over 30 s each
 * and the transfers were reset.
 */
export const SERVE_STREAMS_TOTAL = 16
/** Server: how long a peer has to send its request. */
export const REQUEST_TIMEOUT_MS = 10 * second
/** Server: a shard sent to a peer this recently is handed off to it rather than sent again. */
export const HANDOFF_WINDOW_MS = 10 * second
/** Server: shards whose last recipient is remembered for hand-offs. */
export const HANDOFF_MAX_ENTRIES = 16_384
/** Server: how long a request for a shard this node is still receiving waits for it. */
export const INCOMING_WAIT_MS = 5 * second
/** Server: a reused shard stream with no request for this long is closed. */
export const STREAM_IDLE_TIMEOUT_MS = 30 * second
/** Client: idle shard streams kept per peer for reuse (no older than IDLE_STREAM_MAX_AGE_MS). */
export const IDLE_STREAMS_PER_PEER = 8
export const IDLE_STREAM_MAX_AGE_MS = 20 * second
/** Size of the writes that put a shard on the stream. */
export const WRITE_CHUNK_BYTES = 1 * MiB

/** Client: time to open a stream and read a response header. */
export const RESPONSE_TIMEOUT_MS = 10 * second
/** Client: a transfer with no bytes for this long is abandoned and the shard goes elsewhere. */
export const STALL_TIMEOUT_MS = 5 * second

/** Scheduler: shard requests in flight to one peer. */
export const FETCH_STREAMS_PER_PEER = 4
/** Scheduler: shard requests in flight in all. */
export const FETCH_STREAMS_TOTAL = 32
/** Scheduler: a request slower than this many times its expected time is hedged to another peer. */
export const HEDGE_FACTOR = 3
/** Scheduler: never hedge sooner than this. */
export const HEDGE_MIN_MS = 1 * second
/** Scheduler: how often holders' have-maps are asked again during a fetch (fetchers become holders). */
export const HAVE_REFRESH_MS = 500
/** Scheduler: how often the DHT is asked again for the layer's providers during a fetch. */
export const PROVIDER_LOOKUP_MS = 2 * second
/** Scheduler: the interval between lookups doubles after each, up to this many times PROVIDER_LOOKUP_MS. */
export const PROVIDER_LOOKUP_BACKOFF_MAX = 8
/** Scheduler: with no origin, a fetch fails after this many provider lookups found nobody holding some shard. */
export const NO_HOLDER_LOOKUPS = 5
/** Scheduler: a peer a shard was handed off to may still be storing it: ask it again this many times, */
export const HANDOFF_RETRIES = 3
/** ... this long apart. */
export const HANDOFF_RETRY_MS = 200
/** Scheduler: how much dearer a holder of the whole blob looks than a partial holder of the same shard. */
export const SEED_COST_FACTOR = 8
/** Scheduler: a peer that failed a request rests this long before it is asked again in the same fetch. */
export const PEER_BACKOFF_MS = 2 * second
/** Scheduler: attempts per shard before the fetch fails. */
export const MAX_ATTEMPTS_PER_SHARD = 8
/** Penalty points after which a peer is avoided for the rest of the process's life. */
export const BAN_PENALTY = 3
