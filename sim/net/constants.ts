/** Defaults of the shaped network, built from units. */
export const KiB = 1024
export const MiB = 1024 * KiB
export const second = 1000

/** Bytes per millisecond in one Mbit/s (10^6 bits per second, as links are sold). */
export const BYTES_PER_MS_PER_MBPS = 1_000_000 / 8 / second

/** A token bucket holds this much of its rate, so a short burst passes unpaced... */
export const BUCKET_DEPTH_MS = 5
/** ...but never less than this, so one full-size write is not split by the bucket. */
export const BUCKET_MIN_DEPTH_BYTES = 64 * KiB

/**
 * Bytes a shaper accepts ahead of its bucket before the writer must wait:
 * this much time at the link's rate, or QUEUE_MIN_BYTES. It is the link's
 * queue, so it adds up to this much delay under load (a small, honest
 * buffer), and it must outlast a late timer so the link never idles while
 * the writer has more to send.
 */
export const QUEUE_MS = 20
export const QUEUE_MIN_BYTES = 128 * KiB
/**
 * When a writer told to wait comes back to find the queue ran dry, its
 * process or the timers were held up (a loaded machine, not the modelled
 * network: with a dozen daemons on two cores, stalls of hundreds of ms are
 * common). The bucket then lets it catch up on at most this much unused
 * time, as a deeper send buffer would have kept the link busy, so a stall
 * does not lower the link's average rate. Only the time since the queue
 * fell to half counts, so a slow application earns no credit, and only
 * unused bucket time is taken, so a shared bucket's other users lose nothing.
 */
export const CATCH_UP_MS = 1 * second
/**
 * A piece due within this much is delivered now: Node's timers fire late
 * more often than early, so this centres delivery on the due time.
 */
export const EARLY_MS = 0.5
/** Writes are cut into pieces of at most this size, so bytes arrive spread over the pacing time, not in one lump at its end. */
export const CHUNK_BYTES = 16 * KiB

/** A connection idle this long is closed (as @libp2p/tcp's default). */
export const SOCKET_INACTIVITY_TIMEOUT_MS = 2 * 60 * second

/** Topology limits: a live simulation on one machine stays well inside them. */
export const MAX_REGIONS = 16
export const MAX_HOSTS_PER_REGION = 64
export const MAX_RTT_MS = 2 * second
export const MIN_MBPS = 0.1
export const MAX_MBPS = 100_000
/** Largest topology file read. */
export const MAX_TOPOLOGY_FILE_BYTES = 1 * MiB
