/** An in-memory `PriorityApi` with a canned round, for the admin route's and the CLI's tests; a FakeDaemon that has one. */
import type { PriorityApi, PriorityRound, RoundQuery } from '../../../src/daemon/api.js'
import { InvalidPriorityQueryError, PRIORITY_DEFAULT_TOP, PRIORITY_MAX_TOP } from '../../../src/predict/service/index.js'
import { FakeDaemon } from '../../admin/fake-daemon.js'

export const FAKE_ROUND_AT = Date.UTC(2024, 4, 1, 12, 0, 0)
export const L1 = 'sha256:' + '1'.repeat(64)
export const L2 = 'sha256:' + '2'.repeat(64)
export const L3 = 'sha256:' + '3'.repeat(64)

export function fakeRound (): PriorityRound {
  return {
    region: 'eu-west',
    computedAt: FAKE_ROUND_AT,
    weights: { usage: 0.6, threat: -0.25, proximity: 0.4 },
    scored: 3,
    peers: 2,
    layers: [
      { digest: L1, priority: 0.9, usage: 1, threat: 0, proximity: 0.75, demand: 120.4, reason: 'r1', demandByRegion: { 'ap-south': 100, 'eu-west': 20.4 }, cachedRegions: ['eu-west'] },
      { digest: L2, priority: 0.41234, usage: 0.6, threat: 0.2, proximity: 0.25, demand: 8.25, reason: 'r2', demandByRegion: { 'eu-west': 8.25 }, cachedRegions: [] },
      { digest: L3, priority: 0.1, usage: 0.3, threat: 0, proximity: 0, demand: 2, reason: 'r3', demandByRegion: { 'us-east': 2 }, cachedRegions: ['eu-west', 'us-east'] }
    ]
  }
}

export class FakePriority implements PriorityApi {
  /** What `round` answers from; null `computedAt` before the first round. */
  last: PriorityRound = fakeRound()
  readonly calls: string[] = []

  async round (query: RoundQuery = {}): Promise<PriorityRound> {
    this.calls.push(`round ${query.region ?? '-'} ${query.top ?? '-'}`)
    const top = query.top ?? PRIORITY_DEFAULT_TOP
    if (top < 1 || top > PRIORITY_MAX_TOP) throw new InvalidPriorityQueryError(`top must be an integer from 1 to ${PRIORITY_MAX_TOP}`)
    const region = query.region
    const layers = this.last.layers.filter(l => region == null || (l.demandByRegion[region] ?? 0) > 0).slice(0, top)
    return { ...this.last, layers }
  }
}

export class PriorityFakeDaemon extends FakeDaemon {
  readonly priority = new FakePriority()
}
