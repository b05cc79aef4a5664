import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { parseTrace } from '../../src/predict/trace/index.js'
import { runCli } from './helpers.js'

async function tempDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-predict-cli-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

t.test('gen-trace writes a trace that eval replays, table and JSON', async t => {
  const dir = await tempDir(t)
  const out = join(dir, 'trace.csv')
  const truth = join(dir, 'truth.json')
  const gen = await runCli(['predict', 'gen-trace', '--out', out, '--seed', '3', '--days', '1', '--rows', '4000', '--truth', truth])
  t.equal(gen.code, 0, gen.stderr)
  t.match(gen.stdout, /^wrote .*trace\.csv: \d+ rows \(\d+ manifests, \d+ blobs\)/)
  const parsed = parseTrace(await readFile(out, 'utf8'))
  t.ok(parsed.requests.length > 2000 && parsed.skipped === 0, `${parsed.requests.length} requests read back`)
  t.ok(JSON.parse(await readFile(truth, 'utf8')).images.length > 0, 'the planted structure')
  const again = await runCli(['predict', 'gen-trace', '--out', join(dir, 'again.csv'), '--seed', '3', '--days', '1', '--rows', '4000'])
  t.equal(again.code, 0)
  t.equal(await readFile(join(dir, 'again.csv'), 'utf8'), await readFile(out, 'utf8'), 'same seed, same trace')

  const table = await runCli(['predict', 'eval', '--trace', out, '--cache-fraction', '0.1', '--policies', 'lru,belady,shoal'])
  t.equal(table.code, 0, table.stderr)
  t.match(table.stdout, /CACHE\s+POLICY\s+HIT\s+BYTE HIT\s+PRECISION/)
  for (const p of ['lru', 'belady', 'lru\\+manifest', 'shoal']) t.match(table.stdout, new RegExp(`10% \\(.*\\)\\s+${p}\\s+0\\.\\d{3}`), p)

  const json = await runCli(['predict', 'eval', '--trace', out, '--cache-fraction', '0.05,0.2', '--policies', 'arc,shoal', '--json'])
  t.equal(json.code, 0, json.stderr)
  const last = JSON.parse(json.stdout.trim().split('\n').at(-1)!)
  t.same(last.results.map((r: { policy: string, cacheFraction: number }) => `${r.policy}@${r.cacheFraction}`), ['arc@0.05', 'arc+manifest@0.05', 'shoal@0.05', 'arc@0.2', 'arc+manifest@0.2', 'shoal@0.2'])
  for (const r of last.results) {
    t.ok(r.hitRatio >= 0 && r.hitRatio <= 1 && 'byteHitRatio' in r && 'precision' in r && 'coverage' in r && 'wastedBytes' in r && 'originBytes' in r, r.policy)
  }
  t.equal(last.trace.requests, parsed.requests.length)
})

t.test('bad command lines and bad traces say what is wrong', async t => {
  const dir = await tempDir(t)
  const noCol = join(dir, 'bad.csv')
  await writeFile(noCol, 'ts_ms,client,bytes\n1,a,3\n')
  const cases: Array<[string[], RegExp, number]> = [
    [['predict'], /needs a subcommand: eval or gen-trace/, 2],
    [['predict', 'guess'], /unknown predict subcommand "guess"/, 2],
    [['predict', 'eval'], /needs --trace FILE\.csv/, 2],
    [['predict', 'eval', '--trace', noCol, '--cache-fraction', '0'], /--cache-fraction must be a list of fractions above 0/, 2],
    [['predict', 'eval', '--trace', noCol, '--policies', 'lru,mru'], /unknown policy "mru"/, 2],
    [['predict', 'eval', '--trace', noCol, '--manifests', 'both'], /--manifests must be signal or cache/, 2],
    [['predict', 'eval', '--trace', noCol, '--out', 'x'], /does not take --out/, 2],
    [['predict', 'eval', '--trace', noCol], /TraceFormatError: .*blob/, 1],
    [['predict', 'eval', '--trace', join(dir, 'missing.csv')], /ENOENT/, 1],
    [['predict', 'gen-trace'], /needs --out FILE\.csv/, 2],
    [['predict', 'gen-trace', '--out', join(dir, 'x.csv'), '--seed', '1.5'], /--seed must be a whole number/, 2],
    [['predict', 'gen-trace', '--out', join(dir, 'x.csv'), '--days', '0'], /--days must be a number of days above 0/, 2]
  ]
  for (const [argv, message, code] of cases) {
    const run = await runCli(argv)
    t.equal(run.code, code, argv.join(' '))
    t.match(run.stderr, message, argv.join(' '))
  }
})
