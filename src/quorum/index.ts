/**
 * The replica quorum: the region seeds agree, through Raft, on how many
 * replicas of each layer each region keeps. `raft` is the consensus core (a
 * pure state machine with etcd/raft's Ready pattern, its wire codec and its
 * storage model); `targets` is the state it replicates, the replica-target
 * map. The daemon wires them to a libp2p transport and LevelDB storage;
 * `sim/raft` drives them through a deterministic simulation.
 */
export * as raft from './raft/index.js'
export * as targets from './targets/index.js'
