/**
 * The replica quorum in the daemon. Which hosts vote comes from the peers
 * file: the seeds it names by peer id (`.../p2p/<id>`). A daemon among them
 * runs a voting Raft node (`createQuorumService`, LevelDB in
 * `<data>/quorum`); any other daemon runs a client that asks the seeds and
 * never votes. Every seed publishes what it applies on `shoal/targets/1`
 * (`TargetsGossip`), every daemon keeps the latest table it heard, and
 * `targetsOrHeard` answers from that table when no seed does.
 */
import type { Logger } from 'pino'
import type { ShoalLibp2p } from '../node/create.js'
import type { QuorumApi, QuorumStatus, SetTargetInput, TargetFilter, TargetRow, WriteResult } from '../quorum/api.js'
import { createQuorumClient, createQuorumService } from '../quorum/index.js'
import { MAX_VOTERS, RAFT_TICK_MS } from '../quorum/raft/constants.js'
import { second } from '../node/constants.js'
import type { DaemonQuorumApi, TargetsAnswer } from './api.js'
import { ConfigError } from './config.js'
import type { SeedPeers } from './peers-file.js'
import { TargetsGossip } from './targets-gossip.js'

/** A seed's Raft log, under the data directory. */
export const QUORUM_DIR = 'quorum'
/** How often a daemon asks a seed for the whole table until it has it once (then gossip keeps it current). */
export const TARGETS_PRIME_RETRY_MS = 5 * second
/** Longest a prime read waits for a seed. */
export const TARGETS_PRIME_TIMEOUT_MS = 10 * second

/** Failures that mean no seed answers (rather than a seed answering no): reads then come from gossip. */
const NO_ANSWER = new Set(['QuorumUnavailableError', 'QuorumStoppedError'])
/** Failures of a prime read that pass (no leader yet, busy, a timeout); any other ends the priming. */
const RETRY_PRIME = new Set(['QuorumUnavailableError', 'QuorumBusyError', 'QuorumStoppedError', 'TimeoutError', 'AbortError'])

/** A quorum node of either kind: both answer `QuorumApi` and share a lifecycle. */
type QuorumNode = QuorumApi & { start: () => Promise<void>, stop: () => Promise<void> }

export interface QuorumPlan {
  voters: string[]
  regions: Record<string, string>
}

/**
 * Whether to run the quorum, and with whom. `enabled` is `--quorum`
 * (undefined: on when the peers file names seeds). Throws ConfigError when
 * `--quorum on` cannot be honoured, or the seeds are named in part only (a
 * quorum of some of them is not what anyone meant).
 */
export function planQuorum (enabled: boolean | undefined, seeds: SeedPeers | undefined): QuorumPlan | undefined {
  if (enabled === false) return undefined
  const named = seeds?.voters ?? []
  const unnamed = seeds?.unnamed ?? []
  if (named.length === 0) {
    if (enabled === true) throw new ConfigError('--quorum on needs a peers file (--peers) whose seeds end in /p2p/<peer id>: those seeds are the voters')
    return undefined
  }
  if (unnamed.length > 0) {
    throw new ConfigError(`peers file: seeds ${unnamed.join(', ')} have no /p2p/<peer id>, so they cannot vote in the replica quorum; add their peer ids (shoal status shows them), or run with --quorum off`)
  }
  if (named.length > MAX_VOTERS) throw new ConfigError(`peers file: ${named.length} seeds named; the replica quorum takes at most ${MAX_VOTERS} voters`)
  return { voters: named, regions: { ...seeds?.regions } }
}

export interface DaemonQuorumInit extends QuorumPlan {
  /** LevelDB directory of a seed's Raft log, e.g. `<data>/quorum`. */
  dir: string
  /** This daemon's peer id: among the voters on a seed. */
  selfId: string
  /** A multiple of RAFT_TICK_MS (config.ts checks it). */
  electionTimeoutMs: number
}

export interface DaemonQuorumComponents {
  libp2p: ShoalLibp2p
  logger: Logger
}

export class DaemonQuorum implements DaemonQuorumApi {
  /** Whether this daemon votes. */
  readonly seed: boolean
  readonly gossip: TargetsGossip
  private readonly node: QuorumNode
  private readonly log: Logger
  private priming = new AbortController()
  private primeTimer: NodeJS.Timeout | undefined
  private started = false

  constructor (init: DaemonQuorumInit, components: DaemonQuorumComponents) {
    const { libp2p, logger } = components
    this.log = logger.child({ component: 'shoal:quorum' })
    this.seed = init.voters.includes(init.selfId)
    this.gossip = new TargetsGossip({ pubsub: libp2p.services.pubsub, logger: logger.child({ component: 'shoal:quorum:gossip' }), voters: init.voters })
    this.node = this.seed
      ? createQuorumService({
        dir: init.dir,
        voters: init.voters,
        regions: init.regions,
        tickMs: RAFT_TICK_MS,
        electionTicks: init.electionTimeoutMs / RAFT_TICK_MS
      }, {
        libp2p,
        logger: this.log,
        onApplied: (changes, index) => { this.gossip.publish(changes, index) }
      })
      : createQuorumClient({ seeds: init.voters }, { libp2p, logger: this.log })
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    this.priming = new AbortController()
    this.gossip.start()
    try {
      await this.node.start()
    } catch (err) {
      this.gossip.stop()
      this.started = false
      throw err
    }
    this.primeTimer = setTimeout(() => { void this.prime() }, 0)
    this.log.info({ seed: this.seed }, this.seed ? 'replica quorum: voting seed' : 'replica quorum: client of the seeds')
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    clearTimeout(this.primeTimer)
    this.priming.abort()
    await this.node.stop()
    this.gossip.stop()
  }

  async status (): Promise<QuorumStatus> {
    return await this.node.status()
  }

  async targets (filter?: TargetFilter & { signal?: AbortSignal }): Promise<TargetRow[]> {
    return await this.node.targets(filter)
  }

  async set (input: SetTargetInput): Promise<WriteResult> {
    return await this.node.set(input)
  }

  async clear (input: Parameters<QuorumApi['clear']>[0]): Promise<WriteResult> {
    return await this.node.clear(input)
  }

  async batch (input: Parameters<QuorumApi['batch']>[0]): Promise<WriteResult> {
    return await this.node.batch(input)
  }

  async targetsOrHeard (filter: TargetFilter & { signal?: AbortSignal } = {}): Promise<TargetsAnswer> {
    try {
      return { source: 'quorum', targets: await this.node.targets(filter) }
    } catch (err) {
      if (!NO_ANSWER.has((err as Error).name)) throw err
      const { signal: _signal, ...only } = filter
      return { source: 'gossip', targets: this.gossip.list(only), unavailable: (err as Error).message, heardIndex: this.gossip.heardIndex, heardAtMs: this.gossip.heardAtMs }
    }
  }

  /** A seed's own view, without asking anyone (for the metrics); undefined on other daemons. */
  async localStatus (): Promise<QuorumStatus | undefined> {
    return this.seed ? await this.node.status() : undefined
  }

  /** Fill the gossip table from a seed once: a daemon that starts late has heard nothing of what was committed before. */
  private async prime (): Promise<void> {
    const signal = AbortSignal.any([this.priming.signal, AbortSignal.timeout(TARGETS_PRIME_TIMEOUT_MS)])
    try {
      const rows = await this.node.targets({ signal })
      this.gossip.prime(rows)
      this.log.debug({ targets: rows.length }, 'targets table primed from the quorum')
    } catch (err) {
      if (!this.started) return
      if (!RETRY_PRIME.has((err as Error).name)) {
        // Too many targets for one answer, say: gossip alone keeps the table from here on.
        this.log.warn({ err: (err as Error).message, errName: (err as Error).name }, 'targets table not primed from the quorum; only gossip fills it')
        return
      }
      this.log.debug({ err: (err as Error).message }, 'targets table not primed yet; trying again')
      this.primeTimer = setTimeout(() => { void this.prime() }, TARGETS_PRIME_RETRY_MS)
    }
  }
}
