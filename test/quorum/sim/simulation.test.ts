/**
 * The deterministic simulation as CI runs it: hundreds of seeds with zero
 * violations and zero liveness failures, exact replay of a seed, and each
 * classic Raft bug (re-introduced by a test switch) caught within a bounded
 * number of seeds. Sized to stay well under two minutes on a slow 2-core
 * machine; `npm run sim:raft -- --seeds 2000` goes further by hand.
 */
import t from 'tap'
import { describeFailure, replayCommand } from '../../../sim/raft/report.js'
import { runSeed } from '../../../sim/raft/run.js'
import type { SeedResult } from '../../../sim/raft/run.js'
import type { BugName } from '../../../sim/raft/scenario.js'

const SEEDS = 300
const STEPS = 3000

t.test(`${SEEDS} seeds x ${STEPS} steps: no violation, every cluster recovers, every history is linearizable`, async t => {
  const failures: string[] = []
  const sizes = new Map<number, number>()
  let elections = 0
  let ops = 0
  let faults = 0
  let reads = 0
  let crashes = 0
  let installs = 0
  let configChanges = 0
  let worstRecoveryMs = 0
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = runSeed(seed, { steps: STEPS })
    failures.push(...describeFailure(r, { steps: STEPS }))
    sizes.set(r.nodes, (sizes.get(r.nodes) ?? 0) + 1)
    elections += r.stats.maxTerm - 1
    ops += r.stats.clientOps
    faults += r.stats.faults
    reads += r.stats.reads
    crashes += r.stats.crashes
    installs += r.stats.snapshotsInstalled
    configChanges += r.stats.configChanges
    worstRecoveryMs = Math.max(worstRecoveryMs, r.stats.convergedAfterHealMs ?? 0)
  }
  t.same(failures, [], 'zero violations and zero liveness failures')
  t.same([...sizes.keys()].sort(), [1, 3, 5], 'clusters of 1, 3 and 5 seeds')
  // A simulation that does nothing passes too: check it did something.
  t.ok(faults > SEEDS * 5, `${faults} faults injected`)
  t.ok(elections > SEEDS * 2, `${elections} terms begun`)
  t.ok(ops > SEEDS * 30, `${ops} client operations completed and checked`)
  t.ok(reads > SEEDS * 10, `${reads} of them linearizable reads`)
  t.ok(crashes > SEEDS, `${crashes} crashes`)
  t.ok(installs > SEEDS / 2, `${installs} snapshots installed`)
  t.ok(configChanges > SEEDS / 4, `${configChanges} membership changes committed`)
  t.comment(`slowest recovery after the faults healed: ${worstRecoveryMs} ms`)
})

t.test('a seed replays exactly', async t => {
  const strip = (r: SeedResult): unknown => ({ ...r, stats: { ...r.stats } })
  t.same(strip(runSeed(11, { steps: 2000 })), strip(runSeed(11, { steps: 2000 })), 'a passing seed')
  const a = runSeed(4, { steps: 3000, bug: 'vote-without-log-check' })
  const b = runSeed(4, { steps: 3000, bug: 'vote-without-log-check' })
  t.ok(a.violations.length > 0)
  t.same(a, b, 'a failing seed: the same violation at the same step')
  const lines = describeFailure(a, { steps: 3000, bug: 'vote-without-log-check' })
  t.match(lines[0], /^seed 4 \(3 nodes\): .+ violated at step \d+/, 'the report names the seed')
  t.equal(lines.at(-1), `  replay: ${replayCommand(4, { steps: 3000, bug: 'vote-without-log-check' })}`)
  t.equal(replayCommand(4, { steps: 3000, nodes: 3, bug: 'vote-without-log-check' }), 'npm run sim:raft -- --seed 4 --steps 3000 --nodes 3 --bug vote-without-log-check --trace')
})

// Each bug, and the most seeds the simulation may need to catch it. Figure
// 8 needs a chain of leaders failing at just the wrong moments, so it gets
// longer runs of 3-node clusters; the rest are caught in the first few seeds.
const BUG_BOUNDS: Array<{ bug: BugName, seeds: number, steps: number, nodes?: number }> = [
  { bug: 'commit-earlier-term', seeds: 60, steps: 10_000, nodes: 3 },
  { bug: 'vote-without-log-check', seeds: 30, steps: STEPS },
  { bug: 'reply-before-persist', seeds: 20, steps: STEPS },
  { bug: 'truncate-without-conflict', seeds: 20, steps: STEPS }
]

for (const { bug, seeds, steps, nodes } of BUG_BOUNDS) {
  t.test(`the simulation catches ${bug} within ${seeds} seeds`, async t => {
    for (let seed = 1; seed <= seeds; seed++) {
      const r = runSeed(seed, { steps, bug, ...(nodes != null ? { nodes } : {}) })
      const first = r.violations[0]
      if (first == null) continue
      t.pass(`caught at seed ${seed}: ${first.invariant}: ${first.detail}`)
      return
    }
    t.fail(`${bug} went unnoticed for ${seeds} seeds`)
  })
}
