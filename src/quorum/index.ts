/**
 * The replica quorum: the region seeds agree, through Raft, on how many
 * replicas of each layer each region keeps. `raft` is the consensus core (a
 * pure state machine with etcd/raft's Ready pattern, its wire codec and its
 * storage model); `targets` is the state it replicates, the replica-target
 * map; `storage` keeps a seed's Raft state in LevelDB; `transport` carries
 * Raft messages between seeds over libp2p. `createQuorumService` (a voting
 * seed) and `createQuorumClient` (any other daemon) put them together
 * behind QuorumApi; `sim/raft` drives the core through a deterministic
 * simulation.
 */
export * as raft from './raft/index.js'
export * as targets from './targets/index.js'
export * as storage from './storage/index.js'
export * as transport from './transport/index.js'
export * from './service/index.js'
export type * from './api.js'
