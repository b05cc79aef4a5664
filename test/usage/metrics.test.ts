import { Registry } from 'prom-client'
import t from 'tap'
import { USAGE_METRICS_CACHE_MS, USAGE_METRICS_MAX_TOP_N, createMemoryUsageLog, usageMetrics, type UsageEvent, type UsageMetricsInit } from '../../src/usage/index.js'
import { bucketStartMs } from '../../src/usage/rollup-record.js'
import { DAY_MS, makeEvent, manualClock, recordingLogger } from './helpers.js'

const MINUTE_MS = 60_000

interface Sample { name: string, labels: Record<string, string>, value: number }

/** The samples of a Prometheus text exposition (comments skipped). */
function parse (text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (m == null) throw new Error(`not an exposition line: ${line}`)
    const labels: Record<string, string> = {}
    for (const [, k = '', v = ''] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v
    samples.push({ name: m[1] ?? '', labels, value: Number(m[3]) })
  }
  return samples
}

const of = (samples: Sample[], name: string): Sample[] => samples.filter(s => s.name === name)

t.test('the top N layers of the last hour, and totals by kind and source, without a label per layer', async t => {
  const clock = manualClock(10 * DAY_MS + 30 * MINUTE_MS)
  const now = clock.now()
  const log = createMemoryUsageLog({ flushIntervalMs: 60_000 }, { now: clock.now })
  await log.start()
  t.teardown(async () => { await log.stop() })
  const events: UsageEvent[] = []
  const add = (e: UsageEvent): void => { events.push(e); log.record(e) }
  // Layer i has i + 1 requests in the last hour; none of them beats the busy layer of two hours ago.
  for (let i = 0; i < 15; i++) {
    for (let k = 0; k <= i; k++) add(makeEvent(now - ((i * 7 + k) % 55) * MINUTE_MS, 1, { digest: `sha256:layer${i}`, bytes: 100, bytesBySource: { local: 60, peer: 30, origin: 10 } }))
  }
  for (let k = 0; k < 100; k++) add(makeEvent(now - 2 * 60 * MINUTE_MS, 1, { digest: 'sha256:old' }))
  for (let k = 0; k < 50; k++) add(makeEvent(now - k * MINUTE_MS, 3, { digest: 'sha256:manifest' }))

  const registry = new Registry()
  const logger = recordingLogger()
  const metrics = usageMetrics(log, { topN: 3, registry }, { now: clock.now, logger })
  let samples = parse(await registry.metrics())

  const top = of(samples, 'shoal_usage_top_layer_requests')
  t.same(top.map(s => [s.labels.rank, s.labels.digest, s.value]), [['1', 'sha256:layer14', 15], ['2', 'sha256:layer13', 14], ['3', 'sha256:layer12', 13]], 'the top 3 by requests, ranked')
  t.same(of(samples, 'shoal_usage_top_layer_bytes').map(s => [s.labels.rank, s.value]), [['1', 1500], ['2', 1400], ['3', 1300]])
  const digests = new Set(samples.flatMap(s => s.labels.digest != null ? [s.labels.digest] : []))
  t.same([...digests].sort(), ['sha256:layer12', 'sha256:layer13', 'sha256:layer14'], 'no other layer appears in any metric')
  t.ok(samples.every(s => Object.keys(s.labels).every(k => ['kind', 'source', 'rank', 'digest'].includes(k))), 'labels: kind, source, and rank and digest for the top only')

  const windowStart = bucketStartMs('minute', now - 60 * MINUTE_MS)
  const inWindow = events.filter(e => e.timeMs >= windowStart)
  for (const kind of ['manifest', 'blob'] as const) {
    const mine = inWindow.filter(e => e.kind === kind)
    t.equal(of(samples, 'shoal_usage_window_requests').find(s => s.labels.kind === kind)?.value, mine.length, `${kind} requests in the window`)
    for (const source of ['local', 'peer', 'origin'] as const) {
      t.equal(of(samples, 'shoal_usage_window_bytes').find(s => s.labels.kind === kind && s.labels.source === source)?.value,
        mine.reduce((n, e) => n + e.bytesBySource[source], 0), `${kind} bytes from ${source}`)
    }
  }
  t.equal(of(samples, 'shoal_usage_events_stored')[0]?.value, events.length)
  t.equal(of(samples, 'shoal_usage_events_recorded_total')[0]?.value, events.length)

  // A layer climbs to the top: not seen until the cache expires, then the old third drops out.
  for (let k = 0; k < 20; k++) log.record(makeEvent(now, 1, { digest: 'sha256:layer0' }))
  clock.set(now + USAGE_METRICS_CACHE_MS - 1)
  samples = parse(await registry.metrics())
  t.equal(of(samples, 'shoal_usage_top_layer_requests')[0]?.labels.digest, 'sha256:layer14', 'cached for a few seconds')
  clock.set(now + USAGE_METRICS_CACHE_MS)
  samples = parse(await registry.metrics())
  t.same(of(samples, 'shoal_usage_top_layer_requests').map(s => s.labels.digest), ['sha256:layer0', 'sha256:layer14', 'sha256:layer13'], 'then read again')
  t.notOk(samples.some(s => s.labels.digest === 'sha256:layer12'), 'a layer out of the top N leaves the output')
  t.same((await metrics.snapshot()).top.map(l => l.digest), ['sha256:layer0', 'sha256:layer14', 'sha256:layer13'])

  // A log that cannot be read: a scrape still answers, without usage figures, and says why.
  await log.stop()
  clock.set(now + 2 * USAGE_METRICS_CACHE_MS)
  samples = parse(await registry.metrics())
  t.same(of(samples, 'shoal_usage_top_layer_requests'), [])
  t.equal(of(samples, 'shoal_usage_window_requests').find(s => s.labels.kind === 'blob')?.value, 0)
  t.ok(logger.lines.some(l => l.level === 'warn' && /could not read/.test(l.msg)), 'warned')

  metrics.unregister()
  metrics.unregister()
  t.notMatch(await registry.metrics(), /shoal_usage/, 'unregister removes every metric')
})

t.test('usage metrics options are checked when they are built', async t => {
  const log = createMemoryUsageLog()
  const registry = new Registry()
  for (const topN of [0, -1, 1.5, USAGE_METRICS_MAX_TOP_N + 1, NaN]) {
    t.throws(() => usageMetrics(log, { topN, registry }), { name: 'InvalidUsageOptionError', message: /topN/ }, `topN ${topN}`)
  }
  t.throws(() => usageMetrics(log, { registry, top: 5 } as unknown as UsageMetricsInit), { name: 'InvalidUsageOptionError', message: /"top".*topN/ })
  t.throws(() => usageMetrics(log, {} as UsageMetricsInit), { name: 'InvalidUsageOptionError', message: /registry/ })
  const m = usageMetrics(log, { registry })
  t.match(await registry.metrics(), /shoal_usage_window_requests/, 'topN has a default')
  m.unregister()
})
