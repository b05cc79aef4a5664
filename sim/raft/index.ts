/**
 * `npm run sim:raft`: the deterministic simulation of the seeds' Raft
 * quorum (in the manner of TigerBeetle's VOPR and FoundationDB's
 * simulator). Each seed builds a cluster of 1, 3 or 5 nodes, runs faults,
 * clients and Raft for `--steps` events, checks the Raft safety properties
 * after every event, then heals every fault and checks that the cluster
 * recovers, and that the clients' history was linearizable. A failing seed
 * is printed with the command that replays it exactly.
 *
 *   npm run sim:raft -- --seeds 300 --steps 3000 [--json]
 *   npm run sim:raft -- --seed 17 --steps 3000 --trace
 *   npm run sim:raft -- --seeds 100 --bug commit-earlier-term
 */
import { parseArgs } from 'node:util'
import { describeFailure } from './report.js'
import { runSeed } from './run.js'
import { BUGS } from './scenario.js'
import type { SeedResult } from './run.js'
import type { BugName } from './scenario.js'

const USAGE = `usage: npm run sim:raft -- [--seeds N] [--first S] [--steps M] [--nodes 1|3|5] [--bug NAME] [--json]
       npm run sim:raft -- --seed S [--steps M] [--nodes N] [--bug NAME] [--trace]

  --seeds N     seeds to run, from --first (default 100)
  --first S     first seed (default 1)
  --seed S      run only seed S (replay a failure); --trace prints every event
  --steps M     events per seed before the faults heal (default 3000)
  --nodes N     founding nodes (region seeds), 1 to 7 (default: 1, 3 or 5, by seed)
  --bug NAME    re-introduce a classic Raft bug: ${Object.keys(BUGS).join(', ')}
  --json        print one JSON object as the last line:
                {seeds, steps, violations, livenessFailures, failedSeeds, ...}`

function main (): number {
  let values
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        seeds: { type: 'string' },
        first: { type: 'string' },
        seed: { type: 'string' },
        steps: { type: 'string' },
        nodes: { type: 'string' },
        bug: { type: 'string' },
        json: { type: 'boolean' },
        trace: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' }
      }
    }))
  } catch (err) {
    process.stderr.write(`sim:raft: ${(err as Error).message}\n${USAGE}\n`)
    return 2
  }
  if (values.help === true) {
    process.stdout.write(USAGE + '\n')
    return 0
  }
  const int = (name: string, value: string | undefined, fallback: number, min: number, max: number): number => {
    const n = value == null ? fallback : Number(value)
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new RangeError(`--${name} must be an integer from ${min} to ${max}`)
    return n
  }
  let seeds: number, first: number, steps: number, nodes: number | undefined
  try {
    first = values.seed != null ? int('seed', values.seed, 1, 0, 2 ** 32 - 1) : int('first', values.first, 1, 0, 2 ** 32 - 1)
    seeds = values.seed != null ? 1 : int('seeds', values.seeds, 100, 1, 1_000_000)
    steps = int('steps', values.steps, 3000, 1, 100_000_000)
    nodes = values.nodes == null ? undefined : int('nodes', values.nodes, 3, 1, 7)
  } catch (err) {
    process.stderr.write(`sim:raft: ${(err as Error).message}\n`)
    return 2
  }
  const bug = values.bug as BugName | undefined
  if (bug != null && !(bug in BUGS)) {
    process.stderr.write(`sim:raft: unknown --bug ${bug}; known: ${Object.keys(BUGS).join(', ')}\n`)
    return 2
  }
  if (values.trace === true && values.seed == null) {
    process.stderr.write('sim:raft: --trace needs --seed (one seed at a time)\n')
    return 2
  }
  const json = values.json === true
  const say = (s: string): void => { if (!json) process.stdout.write(s + '\n') }
  const trace = values.trace === true ? (line: string) => process.stdout.write(line + '\n') : undefined

  const started = performance.now()
  const failed: SeedResult[] = []
  let violations = 0
  let livenessFailures = 0
  let worstConvergedMs = 0
  let worstLeaderMs = 0
  let events = 0
  for (let seed = first; seed < first + seeds; seed++) {
    const result = runSeed(seed, { steps, ...(nodes != null ? { nodes } : {}), ...(bug != null ? { bug } : {}), ...(trace != null ? { trace } : {}) })
    events += result.stats.events
    worstConvergedMs = Math.max(worstConvergedMs, result.stats.convergedAfterHealMs ?? 0)
    worstLeaderMs = Math.max(worstLeaderMs, result.stats.leaderAfterHealMs ?? 0)
    if (result.violations.length > 0 || result.liveness != null) {
      failed.push(result)
      violations += result.violations.length
      if (result.liveness != null) livenessFailures++
      for (const line of describeFailure(result, { steps, ...(nodes != null ? { nodes } : {}), ...(bug != null ? { bug } : {}) })) say(line)
    } else if (seeds === 1) {
      say(`seed ${seed} (${result.nodes} nodes): ok ${JSON.stringify(result.stats)}`)
    }
  }
  const elapsedMs = Math.round(performance.now() - started)
  say(`${seeds} seeds x ${steps} steps: ${violations} violations, ${livenessFailures} liveness failures, ` +
    `${events} events in ${(elapsedMs / 1000).toFixed(1)} s; after the faults healed, a leader within ${worstLeaderMs} ms and convergence within ${worstConvergedMs} ms (simulated)`)
  if (json) {
    process.stdout.write(JSON.stringify({
      seeds,
      steps,
      violations,
      livenessFailures,
      failedSeeds: failed.map(f => f.seed),
      first,
      ...(bug != null ? { bug } : {}),
      events,
      elapsedMs,
      worstLeaderAfterHealMs: worstLeaderMs,
      worstConvergedAfterHealMs: worstConvergedMs
    }) + '\n')
  }
  return failed.length > 0 ? 1 : 0
}

// `... | head` closes the pipe early; that is not a failure of the simulation.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw err
})
process.exitCode = main()
