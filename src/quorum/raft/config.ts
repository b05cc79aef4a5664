/**
 * Membership: who votes, what a majority is, and the configuration entries
 * that change it. Changes go one voter at a time (the Raft dissertation,
 * §4.1): any two majorities of the old and the new voter sets then overlap,
 * so no joint consensus is needed. A configuration takes effect as soon as
 * its entry is in a node's log, committed or not.
 */
import { ClusterConfig as WireConfig } from './raft-messages.js'
import { ConfigChangeError, MalformedMessageError } from './errors.js'
import { MAX_VOTERS, NODE_ID_MAX_CHARS } from './constants.js'
import type { ClusterConfig, ConfigChange, NodeId } from './types.js'

export function majority (voters: number): number {
  return Math.floor(voters / 2) + 1
}

/** The highest index that a majority of `voters` has, given each one's match index. */
export function quorumIndex (voters: readonly NodeId[], match: (id: NodeId) => number): number {
  if (voters.length === 0) return 0
  const matches = voters.map(match).sort((a, b) => b - a)
  return matches[majority(voters.length) - 1]!
}

export type VoteResult = 'won' | 'lost' | 'pending'

export function tally (voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  let granted = 0
  let rejected = 0
  for (const id of voters) {
    const v = votes.get(id)
    if (v === true) granted++
    else if (v === false) rejected++
  }
  const need = majority(voters.length)
  if (granted >= need) return 'won'
  if (voters.length - rejected < need) return 'lost'
  return 'pending'
}

export function validateNodeId (id: unknown, what = 'node id'): asserts id is NodeId {
  if (typeof id !== 'string' || id.length === 0 || id.length > NODE_ID_MAX_CHARS) {
    throw new ConfigChangeError(`${what} must be a string of 1 to ${NODE_ID_MAX_CHARS} characters`)
  }
}

export function makeConfig (voters: Iterable<NodeId>): ClusterConfig {
  const sorted = [...new Set(voters)].sort()
  for (const id of sorted) validateNodeId(id, 'voter id')
  if (sorted.length > MAX_VOTERS) throw new ConfigChangeError(`at most ${MAX_VOTERS} voters`)
  return { voters: sorted }
}

/** The configuration after `change`; refuses anything but exactly one voter more or less. */
export function applyChange (config: ClusterConfig, change: ConfigChange): ClusterConfig {
  validateNodeId(change.nodeId)
  const has = config.voters.includes(change.nodeId)
  if (change.type === 'add-voter') {
    if (has) throw new ConfigChangeError(`${change.nodeId} is already a voter`)
    return makeConfig([...config.voters, change.nodeId])
  }
  if (change.type === 'remove-voter') {
    if (!has) throw new ConfigChangeError(`${change.nodeId} is not a voter`)
    if (config.voters.length === 1) throw new ConfigChangeError('cannot remove the last voter')
    return makeConfig(config.voters.filter(v => v !== change.nodeId))
  }
  throw new ConfigChangeError(`unknown change type ${String((change as { type: unknown }).type)}`)
}

export function encodeConfig (config: ClusterConfig): Uint8Array {
  return WireConfig.encode({ voters: config.voters })
}

export function decodeConfig (data: Uint8Array): ClusterConfig {
  let wire
  try {
    wire = WireConfig.decode(data, { limits: { voters: MAX_VOTERS } })
  } catch (err) {
    throw new MalformedMessageError(`bad configuration entry: ${(err as Error).message}`)
  }
  try {
    return makeConfig(wire.voters)
  } catch (err) {
    throw new MalformedMessageError(`bad configuration entry: ${(err as Error).message}`)
  }
}

export function sameConfig (a: ClusterConfig, b: ClusterConfig): boolean {
  return a.voters.length === b.voters.length && a.voters.every((v, i) => v === b.voters[i])
}
