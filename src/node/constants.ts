/** Defaults of the libp2p node. Built from units so they read as what they mean. */
export const KiB = 1024
export const MiB = 1024 * KiB
export const second = 1000
export const minute = 60 * second

export const DEFAULT_P2P_PORT = 4001
export const KAD_PROTOCOL = '/shoal/kad/1.0.0'

/** Most connections a daemon keeps open. */
export const MAX_CONNECTIONS = 256
/**
 * Yamux window a new stream starts with. The default (256 KiB) makes a 1 MiB
 * shard on a fresh stream wait for several window updates; 1 MiB (the average
 * shard) lets most shards flow at once. It is credit, not a buffer: the
 * reader drains it as fast as it arrives, and STREAM_MAX_READ_BUFFER_BYTES
 * still bounds what may sit unread.
 */
export const YAMUX_INITIAL_STREAM_WINDOW_BYTES = 1 * MiB
/** Largest yamux window per stream: a shard (4 MiB max) can be in flight without waiting for window updates. */
export const YAMUX_MAX_STREAM_WINDOW_BYTES = 16 * MiB
/** Largest yamux frame; bigger frames mean fewer headers and fewer callbacks per MiB. */
export const YAMUX_MAX_MESSAGE_BYTES = 256 * KiB
/** Most bytes a stream buffers unread before yamux resets it. */
export const STREAM_MAX_READ_BUFFER_BYTES = 32 * MiB
export const STREAM_INACTIVITY_TIMEOUT_MS = 2 * minute
export const DIAL_TIMEOUT_MS = 10 * second
/** How often libp2p's connection monitor pings each connection (its default is 10 s; the daemon does not use the measured RTT). */
export const CONNECTION_PING_INTERVAL_MS = 30 * second
