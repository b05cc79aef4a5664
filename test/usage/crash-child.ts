/**
 * The process rollup-crash.test.ts kills: records seeded events into a
 * usage log (time fixed at NOW_MS, some events older than the retention
 * window), prunes every few rounds (by age and by count) while it writes, and SIGKILLs
 * itself right after its Nth LevelDB batch completes, as a crash would stop
 * it. Without a kill it stops after ROUNDS rounds and prints how many
 * batches it made.
 *
 *   crash-child.ts <dir> <kill after N batches> <seed>
 */
import { ClassicLevel } from 'classic-level'
import { seededRandom } from '../../sim/random.js'
import { createLevelUsageLog } from '../../src/usage/index.js'
import { CRASH_INIT, NOW_MS, randomEvent } from './crash-workload.js'

const [dir = '', killAfter = '', seed = ''] = process.argv.slice(2)
const limit = Number(killAfter)
let batches = 0
const proto = ClassicLevel.prototype as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>
const original = proto.batch as (...args: unknown[]) => Promise<unknown>
proto.batch = async function (this: unknown, ...args: unknown[]) {
  const result = await original.apply(this, args)
  if (++batches === limit) process.kill(process.pid, 'SIGKILL')
  return result
}

const ROUNDS = 60
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }
const log = createLevelUsageLog({ dir, ...CRASH_INIT }, { now: () => NOW_MS, logger: quiet })
await log.start()
const next = seededRandom(Number(seed))
for (let round = 0; round < ROUNDS; round++) {
  // Every third round a prune runs while the events are written, so their batches interleave.
  const pruning = round % 3 === 2 ? log.prune() : undefined
  for (let i = 0; i < 15; i++) log.record(randomEvent(next, round * 100 + i))
  await log.tail({ limit: 1 })
  await pruning
}
await log.stop()
process.stdout.write(JSON.stringify({ batches }) + '\n')
