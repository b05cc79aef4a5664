/**
 * How a failing seed is reported: what broke, when, and the exact command
 * that replays it. Shared by the CLI and the tests.
 */
import type { SeedResult } from './run.js'
import type { BugName } from './scenario.js'

export interface RunShape {
  steps: number
  nodes?: number
  bug?: BugName
}

export function replayCommand (seed: number, shape: RunShape): string {
  const extra = `${shape.nodes != null ? ` --nodes ${shape.nodes}` : ''}${shape.bug != null ? ` --bug ${shape.bug}` : ''}`
  return `npm run sim:raft -- --seed ${seed} --steps ${shape.steps}${extra} --trace`
}

/** One line per violation (and for a liveness failure), then the replay command. Empty for a passing seed. */
export function describeFailure (r: SeedResult, shape: RunShape): string[] {
  const lines = r.violations.map(v => `seed ${r.seed} (${r.nodes} nodes): ${v.invariant} violated at step ${v.step} (${v.timeMs.toFixed(1)} ms): ${v.detail}`)
  if (r.liveness != null) lines.push(`seed ${r.seed} (${r.nodes} nodes): liveness: ${r.liveness}`)
  if (lines.length > 0) lines.push(`  replay: ${replayCommand(r.seed, shape)}`)
  return lines
}
