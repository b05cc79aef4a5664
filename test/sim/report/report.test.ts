import t from 'tap'
import { buildReport, cdfPoints, distributeLowerBound, formatTable, quantile, type ReportInput } from '../../../sim/report/index.js'
import { fixture } from './fixture.js'

t.test('quantiles are by nearest rank', async t => {
  const xs = [50, 100, 100, 580, 1190]
  t.equal(quantile(xs, 0.5), 100, 'ceil(2.5) = 3rd')
  t.equal(quantile(xs, 0.95), 1190, 'ceil(4.75) = 5th')
  t.equal(quantile(xs, 0.2), 50, 'exactly 1/5: the 1st')
  t.equal(quantile([7], 0.99), 7)
  t.throws(() => quantile([], 0.5), RangeError)
})

t.test('the figures of a small run equal the ones worked out by hand', async t => {
  const r = buildReport(fixture())
  // Swarm, good pulls only: 100, 50, 580, 100, 1190 ms.
  t.same(r.swarm, {
    pulls: 5,
    failedPulls: 1,
    p50PullMs: 100,
    p95PullMs: 1190,
    p99PullMs: 1190,
    meanPullMs: 2020 / 5,
    bytes: 7_000_000,
    bytesBySource: { local: 500_000, peer: 3_100_000, origin: 3_400_000 },
    originEgressBytes: 3_400_000,
    originEgressRatio: 3_400_000 / 3_000_000,
    crossRegionBytes: 600_000,
    providerRecordsPerHost: { hosts: 3, mean: 7, max: 10 },
    distributeMs: 1500
  })
  // Direct: 500, 400, 1000, 600, 2000, 1000 ms.
  t.same(r.direct, {
    pulls: 6,
    failedPulls: 0,
    p50PullMs: 600,
    p95PullMs: 2000,
    p99PullMs: 2000,
    meanPullMs: 5500 / 6,
    bytes: 9_000_000,
    bytesBySource: { local: 500_000, peer: 0, origin: 8_500_000 },
    originEgressBytes: 8_500_000,
    originEgressRatio: 8_500_000 / 3_000_000,
    crossRegionBytes: 0,
    providerRecordsPerHost: null,
    distributeMs: 2310
  })
  t.equal(r.speedupP50, 6, 'direct p50 / swarm p50 = 600 / 100')
  t.same(r.regions, [
    { region: 'eu', hosts: 2, swarm: { pulls: 3, p50Ms: 100, p95Ms: 100, p99Ms: 100 }, direct: { pulls: 4, p50Ms: 500, p95Ms: 1000, p99Ms: 1000 }, speedupP50: 5 },
    { region: 'us', hosts: 1, swarm: { pulls: 2, p50Ms: 580, p95Ms: 1190, p99Ms: 1190 }, direct: { pulls: 2, p50Ms: 1000, p95Ms: 2000, p99Ms: 2000 }, speedupP50: 1000 / 580 }
  ])
  // origin: 3 MB at 4 MB/s = 750 ms. host c: from 20 ms, 1.0 + 1.5 MB needed at its 2 MB/s = 1250 ms -> 1270.
  // pulls: c's second, 310 + 1.5 MB at 2 MB/s = 1060. The bound: 1270 + 10 ms RTT.
  t.same(r.lowerBound, { ms: 1280, originMs: 750, hostMs: 1270, host: 'c', pullMs: 1060, rttMs: 10, binding: 'host' })
  t.equal(r.distributeMs, 1500)
  t.equal(r.distributeLowerBoundMs, 1280)
  t.equal(r.distributeVsLowerBound, 1500 / 1280)
  t.equal(r.uniqueBytes, 3_000_000)
  t.same(r.topology, fixture().topology)
})

t.test('the series behind the charts', async t => {
  const r = buildReport(fixture())
  t.same(r.series.cdf.swarm, [[50, 0.2], [100, 0.4], [100, 0.6], [580, 0.8], [1190, 1]])
  t.same(r.series.cdf.direct, [[400, 1 / 6], [500, 2 / 6], [600, 3 / 6], [1000, 4 / 6], [1000, 5 / 6], [2000, 1]])
  const b = r.series.bytesBySource
  t.equal(b.bucketMs, 25, '1500 ms in 60 buckets')
  t.equal(b.origin.length, 60)
  const sum = (xs: number[]): number => xs.reduce((a, x) => a + x, 0)
  t.ok(Math.abs(sum(b.origin) - 3_400_000) < 1e-6, 'every origin byte lands in some bucket')
  t.ok(Math.abs(sum(b.peer) - 3_100_000) < 1e-6)
  t.ok(Math.abs(sum(b.local) - 500_000) < 1e-6)
  // Bucket 0 (0-25 ms): a quarter of a's 1 MB (0-100 ms) and 5/580 of c's 400 kB (20-600 ms).
  t.ok(Math.abs(b.origin[0]! - (250_000 + 400_000 * 5 / 580)) < 1e-6)
  t.equal(b.origin[59], 0, 'nothing from the origin at the end')
  const swarmEgress = r.series.originEgress.swarm
  t.same(swarmEgress[0], [0, 0])
  t.equal(swarmEgress.length, 61)
  t.equal(swarmEgress[60]![0], 5000, 'failed pulls count here: what the origin sent for them was sent')
  t.ok(Math.abs(swarmEgress[60]![1] - 3_400_000) < 1e-6, 'spread from the pulls when there are no samples')
  t.same(r.series.originEgress.direct, [[0, 0], [1000, 4_000_000], [2310, 8_500_000]], 'the samples, in time order')
})

t.test('without a direct run: its figures are null, and the table says less', async t => {
  const input: ReportInput = { ...fixture(), direct: undefined }
  delete input.direct
  const r = buildReport(input)
  t.equal(r.direct, null)
  t.equal(r.speedupP50, null)
  t.equal(r.regions[0]!.direct, null)
  t.equal(r.series.cdf.direct, null)
  t.equal(r.series.originEgress.direct, null)
  const table = formatTable(r)
  t.notMatch(table, /direct/)
  t.match(table, /origin egress \/ unique bytes: swarm 1\.13x \(unique 2\.9 MiB\)/)
})

t.test('formatTable: a row per region and one for all, then the figures', async t => {
  const table = formatTable(buildReport(fixture()))
  const lines = table.split('\n')
  t.equal(lines[0], 'hand, seed 7: pull times in ms')
  t.match(lines[2], /^region\s+hosts\s+pulls\s+swarm p50\s+p95\s+p99\s+direct p50\s+p95\s+p99\s+speed-up$/)
  t.match(lines[3], /^eu\s+2\s+3\s+100\s+100\s+100\s+500\s+1000\s+1000\s+5\.00x$/)
  t.match(lines[4], /^us\s+1\s+2\s+580\s+1190\s+1190\s+1000\s+2000\s+2000\s+1\.72x$/)
  t.match(lines[5], /^all\s+3\s+5\s+100\s+1190\s+1190\s+600\s+2000\s+2000\s+6\.00x$/)
  t.match(table, /origin egress \/ unique bytes: swarm 1\.13x, direct 2\.83x/)
  t.match(table, /cross-region MiB:\s+swarm 0\.6, direct 0\.0/)
  t.match(table, /DHT provider records \/ host:\s+mean 7\.0, max 10 \(3 hosts\)/)
  t.match(table, /time to distribute:\s+1500 ms; lower bound 1280 ms \(host\); 1\.17x the bound/)
  t.match(table, /FAILED pulls: swarm 1, direct 0/)
  t.equal(formatTable(buildReport(fixture())), table, 'deterministic')
})

t.test('lower bound: the origin term decides when the origin is the bottleneck', async t => {
  const input = fixture()
  input.topology.originEgressBytesPerSecond = 1_000_000
  const lb = distributeLowerBound(input.swarm.pulls, input.uniqueBytes, input.topology)
  t.equal(lb.originMs, 3000)
  t.equal(lb.binding, 'origin')
  t.equal(lb.ms, 3010)
  t.same(distributeLowerBound([], 0, input.topology), { ms: 10, originMs: 0, hostMs: 0, host: null, pullMs: 0, rttMs: 10, binding: 'origin' })
})

t.test('cdfPoints keeps at most 200 points, the last always', async t => {
  const xs = Array.from({ length: 1000 }, (_v, i) => i + 1)
  const pts = cdfPoints(xs)
  t.equal(pts.length, 200)
  t.same(pts[0], [5, 0.005])
  t.same(pts.at(-1), [1000, 1])
  t.same(cdfPoints([]), [])
})

t.test('bad input is refused with the field named', async t => {
  const bad = fixture()
  bad.topology.hostDownlinkBytesPerSecond = 0
  t.throws(() => buildReport(bad), { name: 'ReportInputError', message: /hostDownlinkBytesPerSecond: 0 must be > 0/ })
  const backwards = fixture()
  backwards.swarm.pulls[1]!.endMs = 0
  t.throws(() => buildReport(backwards), { name: 'ReportInputError', message: /swarm\.pulls\[1\] \(b, img:1\): endMs 0 is before startMs 10/ })
})
