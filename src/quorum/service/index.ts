/**
 * The replica quorum as a daemon runs it. `createQuorumService` is a
 * voting region seed: the Raft core driven by real timers, its log, term,
 * vote and snapshots in LevelDB (`<dir>`), RAFT_PROTOCOL to the other
 * seeds, and QUORUM_PROTOCOL ('/shoal/quorum/1.0.0') answering forwarded
 * writes, reads and status for everyone. `createQuorumClient` is every
 * other daemon: it never votes and asks the seeds. Both implement
 * QuorumApi (../api.ts), which is all the admin API and the CLI see.
 *
 * Writes resolve once applied and carry an idempotent request id; reads
 * are linearizable (ReadIndex). When no majority answers within
 * `requestTimeoutMs`, calls fail with a QuorumUnavailableError saying what
 * is missing ("no leader: 1 of 3 seeds reachable, need 2"): a seed cut off
 * in a minority refuses writes, it does not hang.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { ELECTION_TICKS, HEARTBEAT_TICKS, MAX_VOTERS, RAFT_TICK_MS } from '../raft/constants.js'
import { QuorumClient } from './client.js'
import {
  QUORUM_MAX_PENDING_READS, QUORUM_MAX_PENDING_WRITES, QUORUM_REQUEST_TIMEOUT_MS, SNAPSHOT_EVERY_ENTRIES
} from './constants.js'
import { InvalidQuorumOptionError } from './errors.js'
import { QuorumService } from './service.js'
import type { Libp2p } from '@libp2p/interface'
import type { ReplicaTarget } from '../targets/index.js'
import type { RaftStorage } from '../storage/index.js'

export * from './constants.js'
export * from './errors.js'
export { QuorumService } from './service.js'
export { QuorumClient } from './client.js'

/** Narrow logger, pino's calling convention (context object, then message); a pino child logger fits. */
export interface QuorumLogger {
  debug (obj: object, msg: string): void
  info (obj: object, msg: string): void
  warn (obj: object, msg: string): void
  error (obj: object, msg: string): void
}

/** One target that an applied entry (or an installed snapshot) changed; no `target` when it was cleared. */
export interface AppliedChange {
  digest: string
  region: string
  target?: ReplicaTarget
}

export interface QuorumServiceInit {
  /** The LevelDB directory of this seed's Raft state, e.g. `<data>/quorum`. */
  dir: string
  /** The seeds' peer ids (the voters), this node among them. Used to found the quorum on first start; afterwards the stored members vote. */
  voters: string[]
  /** Peer id -> region, for status. @default {} */
  regions?: Record<string, string>
  /** How often the Raft core ticks. @default RAFT_TICK_MS (100) */
  tickMs?: number
  /** Election timeout in ticks (randomized up to twice it). @default ELECTION_TICKS (10) */
  electionTicks?: number
  /** How long a write or read waits for the quorum before a QuorumUnavailableError. @default QUORUM_REQUEST_TIMEOUT_MS (5000) */
  requestTimeoutMs?: number
  /** Compact the log every this many applied entries. @default SNAPSHOT_EVERY_ENTRIES (1000) */
  snapshotEveryEntries?: number
  /** @default QUORUM_MAX_PENDING_WRITES (1024) */
  maxPendingWrites?: number
  /** @default QUORUM_MAX_PENDING_READS (1024) */
  maxPendingReads?: number
}

/** What the service uses of the libp2p node; the daemon's node fits. */
export type QuorumLibp2p = Pick<Libp2p, 'peerId' | 'handle' | 'unhandle' | 'dialProtocol' | 'getConnections'>

export interface QuorumServiceComponents {
  libp2p: QuorumLibp2p
  logger: QuorumLogger
  /** Called in log order with the targets each applied entry changed (and on a snapshot install, every difference). Must not throw (it is logged if it does). */
  onApplied?: (changes: AppliedChange[], index: number) => void
  /** Randomizes election timeouts and reconnect backoff. @default Math.random */
  random?: () => number
  /** Where the Raft state is kept. @default LevelDB in `init.dir` */
  storage?: RaftStorage
}

export type QuorumServiceOptions = Required<QuorumServiceInit>

export interface QuorumClientInit {
  /** The seeds' peer ids. */
  seeds: string[]
  /** How long one call may take in all, over every seed asked. @default QUORUM_REQUEST_TIMEOUT_MS (5000) */
  requestTimeoutMs?: number
}

export type QuorumClientOptions = Required<QuorumClientInit>

export interface QuorumClientComponents {
  libp2p: Pick<Libp2p, 'peerId' | 'dialProtocol' | 'getConnections'>
  logger: QuorumLogger
}

const SERVICE_OPTIONS = ['dir', 'voters', 'regions', 'tickMs', 'electionTicks', 'requestTimeoutMs', 'snapshotEveryEntries', 'maxPendingWrites', 'maxPendingReads']
const CLIENT_OPTIONS = ['seeds', 'requestTimeoutMs']
/** Node's timers fire at once beyond this (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1

export function createQuorumService (init: QuorumServiceInit, components: QuorumServiceComponents): QuorumService {
  known(init, SERVICE_OPTIONS, 'quorum service')
  if (typeof init.dir !== 'string' || init.dir === '') throw new InvalidQuorumOptionError('quorum service option dir is required: the LevelDB directory of the Raft state (e.g. <data>/quorum)')
  if (components?.libp2p?.peerId == null || components.logger == null) throw new InvalidQuorumOptionError('quorum service components libp2p and logger are required')
  const self = components.libp2p.peerId.toString()
  const voters = peerIds(init.voters, 'voters')
  if (!voters.includes(self)) throw new InvalidQuorumOptionError(`quorum service option voters (${voters.join(', ')}) must include this node (${self}); a daemon that is not a seed runs createQuorumClient`)
  const regions = init.regions ?? {}
  if (typeof regions !== 'object' || Array.isArray(regions) || Object.values(regions).some(r => typeof r !== 'string')) {
    throw new InvalidQuorumOptionError('quorum service option regions maps peer ids to region names')
  }
  const electionTicks = int(init.electionTicks, ELECTION_TICKS, 'electionTicks', HEARTBEAT_TICKS + 1, 10_000)
  return new QuorumService({
    dir: init.dir,
    voters,
    regions: { ...regions },
    tickMs: int(init.tickMs, RAFT_TICK_MS, 'tickMs', 1, 60_000),
    electionTicks,
    requestTimeoutMs: int(init.requestTimeoutMs, QUORUM_REQUEST_TIMEOUT_MS, 'requestTimeoutMs', 1, MAX_TIMER_MS),
    snapshotEveryEntries: int(init.snapshotEveryEntries, SNAPSHOT_EVERY_ENTRIES, 'snapshotEveryEntries', 1, Number.MAX_SAFE_INTEGER),
    maxPendingWrites: int(init.maxPendingWrites, QUORUM_MAX_PENDING_WRITES, 'maxPendingWrites', 1, Number.MAX_SAFE_INTEGER),
    maxPendingReads: int(init.maxPendingReads, QUORUM_MAX_PENDING_READS, 'maxPendingReads', 1, Number.MAX_SAFE_INTEGER)
  }, components)
}

export function createQuorumClient (init: QuorumClientInit, components: QuorumClientComponents): QuorumClient {
  known(init, CLIENT_OPTIONS, 'quorum client')
  if (components?.libp2p?.peerId == null || components.logger == null) throw new InvalidQuorumOptionError('quorum client components libp2p and logger are required')
  return new QuorumClient({
    seeds: peerIds(init.seeds, 'seeds'),
    requestTimeoutMs: int(init.requestTimeoutMs, QUORUM_REQUEST_TIMEOUT_MS, 'requestTimeoutMs', 1, MAX_TIMER_MS)
  }, components)
}

function known (init: object, names: string[], what: string): void {
  if (typeof init !== 'object' || init == null) throw new InvalidQuorumOptionError(`${what} options must be an object`)
  for (const key of Object.keys(init)) {
    if (!names.includes(key)) throw new InvalidQuorumOptionError(`unknown ${what} option "${key}"; known: ${names.join(', ')}`)
  }
}

function peerIds (ids: unknown, name: string): string[] {
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_VOTERS) throw new InvalidQuorumOptionError(`quorum option ${name} must list 1 to ${MAX_VOTERS} peer ids`)
  for (const id of ids) {
    try {
      peerIdFromString(id as string)
    } catch {
      throw new InvalidQuorumOptionError(`quorum option ${name}: ${JSON.stringify(id)} is not a peer id`)
    }
  }
  if (new Set(ids).size !== ids.length) throw new InvalidQuorumOptionError(`quorum option ${name} lists a peer id twice`)
  return [...ids] as string[]
}

function int (value: unknown, fallback: number, name: string, min: number, max: number): number {
  const v = value ?? fallback
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new InvalidQuorumOptionError(`quorum option ${name} must be an integer from ${min} to ${max}, got ${String(v)}`)
  }
  return v
}
