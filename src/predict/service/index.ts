/**
 * Priority in the daemon: the step of the control loop that turns usage,
 * threat and topology into a priority per layer and tells the swarm.
 *
 * Every round (PRIORITY_INTERVAL_MS; the first soon after start) the service
 * reads the usage events since its cursor (at start, the last
 * PRIORITY_HISTORY_MS) into a `DemandModel` per region, and forecasts the
 * busiest layers in each region; a rule "after A, expect B" adds B's
 * expected requests, forecast(A) times the rule's ordered confidence, where
 * that is more than B's own forecast (a layer always pulled after another is
 * already in its own forecast, and adding both would count its requests
 * twice). To that local demand it adds what peers gossiped: their own demand
 * per region, and the regions where they hold each layer. Each layer then
 * gets its threat score from the scanner (0 when unscanned) and the regions
 * holding a copy (this one when its store holds the layer, and the peers'),
 * and `computePriorities` scores the lot. The last round is kept for
 * `shoal priority`; its top PRIORITY_GOSSIP_LAYERS go out on
 * `shoal/priority/1` with this daemon's region, each with this daemon's own
 * demand only (so that summing over senders never counts a request twice)
 * and whether it holds the layer.
 *
 * Messages received are checked (size, shape, digests, regions, numbers);
 * a bad one is dropped and counted, never thrown. The latest message of
 * each peer is kept for PRIORITY_GOSSIP_TTL_ROUNDS rounds, for at most
 * PRIORITY_MAX_PEERS peers. A quarantined layer is never scored, so never
 * published. A round that fails is logged and counted; the last good round
 * stays.
 */
import type { Distances, LayerPriority, PriorityWeights } from '../priority/index.js'
import type { UsageLog } from '../../usage/index.js'
import { PriorityService } from './priority-service.js'

export * from './constants.js'
export * from './errors.js'
export { PriorityService } from './priority-service.js'
export { decodePriorityMessage, encodePriorityMessage, type PriorityMessage, type PriorityMessageLayer } from './gossip.js'
export { gossipsubPubSub, MemoryPubSubNetwork } from './pubsub.js'
export { parseDistances, readDistances } from './distances.js'

/** One message as a subscriber gets it; `from` is the signing peer, absent for an unsigned message. */
export interface PubSubMessage {
  from?: string
  data: Uint8Array
}

/** The narrow publish/subscribe the service needs: gossipsub (`gossipsubPubSub`) or its twin (`MemoryPubSubNetwork`). */
export interface PriorityPubSub {
  /** Returns the unsubscribe. */
  subscribe (topic: string, onMessage: (message: PubSubMessage) => void): () => void
  publish (topic: string, data: Uint8Array): Promise<void>
}

/** The scanner's view of a layer. */
export interface PriorityThreat {
  /** The layer's threat score in [0, 1]; undefined when it was never scanned. */
  score (digest: string): Promise<number | undefined>
  /** Known malware (or a block level): never scored, never published. */
  quarantined (digest: string): Promise<boolean>
}

/** Narrow logger, pino's calling convention (context object, then message). */
export interface PriorityLogger {
  debug (obj: object, msg: string): void
  info (obj: object, msg: string): void
  warn (obj: object, msg: string): void
  error (obj: object, msg: string): void
}

export interface PriorityServiceComponents {
  usage: Pick<UsageLog, 'range'>
  pubsub: PriorityPubSub
  logger: PriorityLogger
  /** Whether this daemon's store holds the whole layer. */
  holds: (digest: string) => Promise<boolean>
  /** @default every layer unscanned and none quarantined (the daemon with `--threat off`) */
  threat?: PriorityThreat
  /** @default Date.now */
  now?: () => number
}

export interface PriorityServiceInit {
  /** This daemon's region. */
  region: string
  /** @default the priority defaults (DEFAULT_W_USAGE, DEFAULT_W_THREAT, DEFAULT_W_PROXIMITY) */
  weights?: Partial<PriorityWeights>
  /** Round trips between regions and to the origin (the topology file's `rttMs`). @default every region DEFAULT_ORIGIN_RTT_MS from everything */
  distances?: Distances
  /** @default PRIORITY_INTERVAL_MS (5 minute) */
  intervalMs?: number
  /** @default PRIORITY_FIRST_ROUND_DELAY_MS (10 second) */
  firstRoundDelayMs?: number
  /** @default PRIORITY_HISTORY_MS (2 day) */
  historyMs?: number
  /** @default PRIORITY_MAX_EVENTS_PER_ROUND (200000) */
  maxEventsPerRound?: number
  /** @default PRIORITY_SETTLE_MS (1 minute) */
  settleMs?: number
  /** @default PRIORITY_LOCAL_LAYERS (512) */
  localLayers?: number
  /** @default PRIORITY_MAX_SCORED (4096) */
  maxScored?: number
  /** @default PRIORITY_GOSSIP_LAYERS (256) */
  gossipLayers?: number
  /** How long a peer's message counts. @default PRIORITY_GOSSIP_TTL_ROUNDS (3) times `intervalMs` */
  gossipTtlMs?: number
  /** @default PRIORITY_MAX_PEERS (512) */
  maxPeers?: number
}

/** A layer of a round: its priority and the inputs behind it. */
export interface PriorityRow extends LayerPriority {
  /** Predicted requests per region over the next hour: this daemon's and its peers' together. */
  demandByRegion: Record<string, number>
  /** Regions where some host holds the layer (this one's store, and what peers said). */
  cachedRegions: string[]
}

export interface PriorityRound {
  /** This daemon's region. */
  region: string
  /** When the round was scored, ms since the epoch; null before the first round. */
  computedAt: number | null
  weights: PriorityWeights
  /** Layers scored in the round (before `region` and `top` cut them). */
  scored: number
  /** Peers whose messages entered the round. */
  peers: number
  /** Highest priority first. */
  layers: PriorityRow[]
}

export interface RoundQuery {
  /** Only layers with demand in this region (in the same order). */
  region?: string
  /** 1 to PRIORITY_MAX_TOP. @default PRIORITY_DEFAULT_TOP (20) */
  top?: number
  signal?: AbortSignal
}

export interface PriorityServiceStats {
  rounds: number
  failedRounds: number
  /** Layers scored in the last round. */
  layersScored: number
  /** Usage events read into the model since start. */
  eventsRead: number
  /** Messages taken from peers... */
  gossipReceived: number
  /** ... messages dropped: malformed, too large, unsigned, or older than the one held... */
  gossipDropped: number
  /** ... and messages published (or dropped before publishing: too many in flight, or refused). */
  gossipPublished: number
  gossipPublishFailed: number
  /** Peers whose message is held now. */
  peers: number
  /** Wall time of the last round, ms. */
  lastRoundMs: number
}

export function createPriorityService (init: PriorityServiceInit, components: PriorityServiceComponents): PriorityService {
  return new PriorityService(init, components)
}
