/** Defaults and limits of the daemon's priority service, built from units. The docs in `index.ts` are tested against these. */
import { KiB, minute, second } from '../../node/constants.js'

const hour = 60 * minute
const day = 24 * hour

/** The gossipsub topic each daemon publishes its top layers on. */
export const PRIORITY_TOPIC = 'shoal/priority/1'

/** Time between two scoring rounds: forecasts are hourly, so a few minutes keeps up with them at little cost. */
export const PRIORITY_INTERVAL_MS = 5 * minute
/** The first round after start: soon, but after the node has had time to meet its peers. */
export const PRIORITY_FIRST_ROUND_DELAY_MS = 10 * second
/** The next round when the last one stopped at PRIORITY_MAX_EVENTS_PER_ROUND: the backlog is read in steps, not waited on. */
export const PRIORITY_CATCH_UP_DELAY_MS = 1 * second
/** Usage read at start: forecasts need a day's season, rules a day of sessions. */
export const PRIORITY_HISTORY_MS = 2 * day
/** Most usage events one round reads (at about 1 us each into the model); a larger backlog takes several rounds. */
export const PRIORITY_MAX_EVENTS_PER_ROUND = 200_000
/**
 * Events are read up to this long before now. The mirror records a request
 * when it ends, stamped with its start, so a long pull lands in the log
 * after requests that started later; reading a little behind keeps those.
 */
export const PRIORITY_SETTLE_MS = 1 * minute
/** The busiest layers of this daemon's own usage asked for a forecast each round. */
export const PRIORITY_LOCAL_LAYERS = 512
/** Most layers scored in one round (own, rule-expected and heard), the most demanded kept. */
export const PRIORITY_MAX_SCORED = 4096
/** Most regions this daemon's own usage is forecast in (its own, and whatever its events name). */
export const PRIORITY_MAX_LOCAL_REGIONS = 64

/** Layers in one published message: the daemon's top ones by priority. */
export const PRIORITY_GOSSIP_LAYERS = 256
/** Largest message published or taken. */
export const PRIORITY_GOSSIP_MAX_BYTES = 64 * KiB
/** Most regions a layer's demand names in a message (the most demanded kept). */
export const PRIORITY_GOSSIP_MAX_REGIONS = 16
/** A peer's message counts for this many of the receiver's rounds, then it is forgotten unless renewed. */
export const PRIORITY_GOSSIP_TTL_ROUNDS = 3
/** Peers whose latest message is kept; a new one beyond it evicts the one heard from least recently. */
export const PRIORITY_MAX_PEERS = 512
/** Publishes waiting on gossipsub; past it a round's message is dropped (the next round sends a newer one). */
export const PRIORITY_MAX_PENDING_PUBLISHES = 4

/** Layers `round` returns unless told otherwise... */
export const PRIORITY_DEFAULT_TOP = 20
/** ... and the most it returns. */
export const PRIORITY_MAX_TOP = PRIORITY_MAX_SCORED

/** Hard ceilings on what a message may say. Largest demand for one layer in one region. */
export const PRIORITY_MAX_DEMAND = 1e9
/** Largest priority magnitude: three scores in [0, 1] times weights of at most 100. */
export const PRIORITY_MAX_ABS_PRIORITY = 300
/** Longest region name (as the daemon's `--region`). */
export const PRIORITY_REGION_MAX_CHARS = 64
/** Longest round trip accepted from a topology file. */
export const PRIORITY_MAX_RTT_MS = 10 * minute

/** Bounds of `intervalMs` (the daemon's `--priority-interval-ms`). */
export const PRIORITY_MIN_INTERVAL_MS = 1 * second
export const PRIORITY_MAX_INTERVAL_MS = 1 * day
