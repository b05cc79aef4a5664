import { minute, second } from '../node/constants.js'

/** Most CIDs waiting to be announced; past it, provide() fails with ProvideQueueFullError. */
export const PROVIDE_QUEUE_MAX = 65_536
/** Announcements made at once. */
export const PROVIDE_CONCURRENCY = 4
/** Shard announcements at once: they trail transfers rather than compete with them. */
export const PROVIDE_LOW_CONCURRENCY = 1
/** How long one DHT provide may take before it is abandoned (it is retried at the next re-provide). */
export const PROVIDE_TIMEOUT_MS = 30 * second
/** How often every held CID is announced again (DHT records live 48 h; peers come and go). */
export const REPROVIDE_INTERVAL_MS = 12 * 60 * minute
/** How long a provider lookup may take. */
export const FIND_PROVIDERS_TIMEOUT_MS = 5 * second
/** Most providers a lookup returns. */
export const FIND_PROVIDERS_LIMIT = 20
