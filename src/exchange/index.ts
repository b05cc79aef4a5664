/**
 * The shard exchange: how daemons move shard bytes between them.
 *
 * Three request/response protocols, one stream per request, length-prefixed
 * protobuf messages (`messages.proto`) with size limits:
 * `/shoal/shard/1.0.0` (a shard's bytes by CID), `/shoal/have/1.0.0` (a
 * bitmap of the shards of a blob a peer holds) and `/shoal/index/1.0.0` (a
 * blob's shard index). `ExchangeServer` answers them from the local store
 * within per-peer limits; `ExchangeClient` asks and verifies; `Fetcher` is
 * the scheduler that pulls a whole blob from many peers at once.
 */
export * from './constants.js'
export * from './errors.js'
export { ExchangeServer, type ExchangeServerInit, type ExchangeServerComponents, type GrowingBlob } from './server.js'
export { ExchangeClient, type ExchangeClientInit, type ExchangeClientComponents, type Dialer, type RemoteHave } from './client.js'
export { Fetcher, type FetcherInit, type FetcherComponents, type FetchOptions, type FetchResult, type GrowingFetchOptions, type OriginSource, type ShardSource } from './fetcher.js'
export { PeerStats, type PeerStat } from './peer-stats.js'
export { TrafficCounter, type PeerTraffic } from './traffic.js'
export { PeerLimiter } from './limiter.js'
export { Incoming } from './incoming.js'
export { Handoff } from './handoff.js'
