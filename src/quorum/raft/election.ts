/**
 * Leader election (§5.2, §5.4.1) with PreVote (dissertation §9.6). A node
 * whose election timer fires first asks for pre-votes at the term it would
 * take, without taking it; only when a majority would vote for it does it
 * raise its term and ask for real votes. So a node that was cut off and
 * comes back cannot force a working leader to step down, and a node behind
 * on the log cannot win.
 */
import { tally } from './config.js'
import { bcastAppend } from './leader.js'
import type { Raft } from './raft.js'
import type { VoteRequest, VoteResponse } from './types.js'

export function campaign (r: Raft, kind: 'pre-vote' | 'vote'): void {
  let term: number
  if (kind === 'pre-vote') {
    r.becomePreCandidate()
    term = r.term + 1
  } else {
    // becomeCandidate raises the term and votes for itself; both are in the
    // next Ready's hard state, persisted before these requests leave.
    r.becomeCandidate()
    term = r.term
  }
  r.votes.set(r.id, true)
  if (tally(r.config.voters, r.votes) === 'won') {
    won(r, kind)
    return
  }
  const lastIndex = r.log.lastIndex()
  const lastTerm = r.log.lastTerm()
  for (const to of r.config.voters) {
    if (to === r.id) continue
    r.send({ type: kind, to, term, lastIndex, lastTerm })
  }
}

function won (r: Raft, kind: 'pre-vote' | 'vote'): void {
  if (kind === 'pre-vote') {
    campaign(r, 'vote')
  } else {
    r.becomeLeader()
    bcastAppend(r)
  }
}

export function handleVoteRequest (r: Raft, m: VoteRequest): void {
  const response = m.type === 'vote' ? 'vote-response' : 'pre-vote-response'
  // We may vote for `m.from` if we already did in this term, or have voted
  // for nobody and know of no leader; a pre-vote for a later term promises nothing.
  const canVote = r.vote === m.from ||
    (r.vote == null && r.leaderId == null) ||
    (m.type === 'pre-vote' && m.term > r.term)
  const upToDate = r.opts.bugs.voteWithoutLogCheck === true || r.log.isUpToDate(m.lastIndex, m.lastTerm)
  if (canVote && upToDate) {
    // A granted pre-vote answers in the asked term, or the pre-candidate would drop it as stale.
    r.send({ type: response, to: m.from, term: m.term, granted: true })
    if (m.type === 'vote') {
      r.electionElapsed = 0
      r.vote = m.from
    }
  } else {
    r.send({ type: response, to: m.from, term: r.term, granted: false })
  }
}

export function handleVoteResponse (r: Raft, m: VoteResponse): void {
  const expected = r.role === 'pre-candidate' ? 'pre-vote-response' : 'vote-response'
  if (m.type !== expected) return
  r.votes.set(m.from, m.granted)
  switch (tally(r.config.voters, r.votes)) {
    case 'won': won(r, r.role === 'pre-candidate' ? 'pre-vote' : 'vote'); break
    case 'lost': r.becomeFollower(r.term, null); break
    case 'pending': break
  }
}
