/**
 * Child of storage.test.ts: writes a seeded sequence into a LevelDB Raft
 * storage, printing the number of each write once it is durable, until
 * the parent kills it (SIGKILL) or the sequence ends.
 * Usage: crash-child.js DIR SEED STEPS
 */
import { createLevelRaftStorage } from '../../../src/quorum/storage/index.js'
import { sequence } from './sequence.js'

const [dir, seed, steps] = process.argv.slice(2)
const storage = createLevelRaftStorage({ dir: dir! })
await storage.open()
const { steps: writes } = sequence(Number(seed), Number(steps))
let n = 0
for (const step of writes) {
  // Every write synced, so a printed number is a promise the parent can check.
  await storage.write(step.writes, { sync: true })
  process.stdout.write(`${++n}\n`)
}
await storage.close()
