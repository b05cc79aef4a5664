/**
 * Damaged layers, at random but replayably: bytes flipped, cut short, spliced
 * or repeated, in plain, gzip and zstd layers. Every run must end, in an inventory
 * or one of the inventory's typed errors, never anything else. The seed is
 * printed; `SHOAL_FUZZ_SEED=<n>` replays a run.
 */
import t from 'tap'
import { inventoryLayer } from '../../../src/threat/inventory/index.js'
import { ALPINE_LAYER, DEBIAN_LAYER } from './layers.js'
import { chunks, gzip, tar } from './tar-writer.js'
import { storedFrame, ZSTD_CLI, zstdCli } from './zstd-writer.js'
import { withThreatData } from '../../utils/shared-data.js'

const test = withThreatData(t)

const RUNS = 600
const TYPED = new Set(['TarFormatError', 'InventoryLimitError', 'DecompressionError', 'UnsupportedCompressionError'])
/** A run taking longer than this is a hang. */
const RUN_TIMEOUT_MS = 5000

function mulberry32 (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let r = Math.imul(a ^ (a >>> 15), 1 | a)
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296
  }
}

function damage (data: Buffer, random: () => number): { bytes: Buffer, how: string } {
  const at = Math.floor(random() * data.length)
  switch (Math.floor(random() * 4)) {
    case 0: {
      const out = Buffer.from(data)
      const n = 1 + Math.floor(random() * 8)
      for (let i = 0; i < n; i++) out[(at + i * 37) % out.length] = Math.floor(random() * 256)
      return { bytes: out, how: `${n} bytes changed from ${at}` }
    }
    case 1:
      return { bytes: data.subarray(0, at), how: `cut at ${at}` }
    case 2: {
      const len = Math.floor(random() * 2048)
      return { bytes: Buffer.concat([data.subarray(0, at), data.subarray(at + len)]), how: `${len} bytes removed at ${at}` }
    }
    default: {
      const len = Math.floor(random() * 2048)
      return { bytes: Buffer.concat([data.subarray(0, at + len), data.subarray(at)]), how: `${len} bytes repeated at ${at}` }
    }
  }
}

test('damaged layers end in an inventory or a typed error', async t => {
  const seed = Number(process.env.SHOAL_FUZZ_SEED ?? Date.now() % 2 ** 31)
  t.comment(`seed ${seed} (replay with SHOAL_FUZZ_SEED=${seed})`)
  const random = mulberry32(seed)
  const plain = tar([...DEBIAN_LAYER, ...ALPINE_LAYER])
  // zstd from the CLI when it is there (fzstd's entropy decoding gets the damage), else raw blocks.
  const inputs: Array<[string, Buffer]> = [['plain', plain], ['gzip', gzip(plain)], ['zstd', ZSTD_CLI != null ? zstdCli(plain) : await storedFrame(plain, { checksum: true })]]
  const outcomes = new Map<string, number>()
  for (let run = 0; run < RUNS; run++) {
    const [kind, input] = inputs[run % inputs.length]!
    const { bytes, how } = damage(input, random)
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<string>(resolve => { timer = setTimeout(() => { resolve('hang') }, RUN_TIMEOUT_MS) })
    const outcome = await Promise.race([
      inventoryLayer(chunks(bytes, 1 + Math.floor(random() * 4096)), { limits: { maxEntries: 1000 } }).then(() => 'ok', (err: Error) => err.name),
      timeout
    ])
    clearTimeout(timer)
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
    if (outcome !== 'ok' && !TYPED.has(outcome)) {
      t.fail(`seed ${seed}, run ${run} (${kind}, ${how}): ended in ${outcome}`)
      return
    }
  }
  t.comment(JSON.stringify(Object.fromEntries(outcomes)))
  t.pass(`${RUNS} damaged layers, every one ended in an inventory or a typed error`)
})
