import { second } from '../node/constants.js'

export const DEFAULT_REGION = 'default'
export const DEFAULT_LISTEN = '/ip4/0.0.0.0/tcp/4001'
export const ADMIN_SOCKET_FILE = 'admin.sock'
/** Member heartbeats on `shoal/members/1`. */
export const MEMBERS_TOPIC = 'shoal/members/1'
export const MEMBERS_INTERVAL_MS = 10 * second
/** A member not heard from for this long is forgotten. */
export const MEMBERS_EXPIRY_MS = 60 * second
export const MAX_MEMBER_MESSAGE_BYTES = 4096
/** How often the daemon dials its bootstrap peers again while it has no connection. */
export const BOOTSTRAP_RETRY_MS = 5 * second
/** A host that served a shard this recently counts as busy: its shard announcements wait. */
export const SERVING_QUIET_MS = 5 * second
/** Shards whose DHT providers `shoal shards --providers` looks up, at most. */
export const MAX_PROVIDER_LOOKUPS = 256
/** Gossip topic on which a daemon says it is streaming a blob from the origin, and when it has it. */
export const ORIGIN_CLAIMS_TOPIC = 'shoal/origin-claims/1'
/** A claim not followed by "done" within this long is forgotten (its claimant died or stalled). */
export const ORIGIN_CLAIM_TTL_MS = 2 * 60 * second
/** Longest a daemon waits for another's origin fetch before fetching from the origin itself. */
export const ORIGIN_FOLLOW_MAX_WAIT_MS = 60 * second
export const MAX_ORIGIN_CLAIM_MESSAGE_BYTES = 512
/** Claims remembered at most (oldest forgotten first). */
export const MAX_ORIGIN_CLAIMS = 10_000
