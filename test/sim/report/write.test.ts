import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { buildReport, CHART_FILES, formatMarkdown, renderCharts, reportDir, writeReport, type ReportInput } from '../../../sim/report/index.js'
import { fixture } from './fixture.js'

/**
 * A rough XML check: one root <svg>, every tag closed in order, attributes
 * quoted, no stray '<' or bare '&' in text. Returns the element names in
 * document order.
 */
function wellFormed (t: Test, svg: string, name: string): string[] {
  const problems: string[] = []
  const names: string[] = []
  const stack: string[] = []
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g
  let at = 0
  let roots = 0
  for (let m = tag.exec(svg); m != null; m = tag.exec(svg)) {
    const text = svg.slice(at, m.index)
    if (/[<>]/.test(text) || /&(?!amp;|lt;|gt;|quot;|#\d+;)/.test(text)) problems.push(`bad text before offset ${m.index}: ${JSON.stringify(text.slice(0, 60))}`)
    at = m.index + m[0].length
    const [, close, el, , self] = m as unknown as [string, string, string, string, string]
    if (close === '/') {
      const open = stack.pop()
      if (open !== el) problems.push(`</${el}> closes <${open ?? 'nothing'}>`)
      continue
    }
    if (stack.length === 0) roots++
    names.push(el)
    if (self !== '/') stack.push(el)
  }
  if (svg.slice(at).trim() !== '') problems.push(`text after the root: ${JSON.stringify(svg.slice(at, at + 60))}`)
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(' > ')}`)
  t.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'), `${name}: starts with <svg`)
  t.equal(roots, 1, `${name}: one root`)
  t.same(problems, [], `${name}: well-formed`)
  return names
}

t.test('three charts: well-formed SVG, with their series and labels, the same every time', async t => {
  const report = buildReport(fixture())
  const charts = renderCharts(report)
  t.same(Object.keys(charts).sort(), Object.values(CHART_FILES).sort())
  const cdf = charts[CHART_FILES.pullTimeCdf]!
  wellFormed(t, cdf, 'CDF')
  t.match(cdf, /data-name="swarm"/)
  t.match(cdf, /data-name="direct"/)
  t.match(cdf, /pull time \(ms, log scale\)/, 'pull times from 50 to 2000 ms: a log axis')
  t.match(cdf, />fraction of pulls done</)
  t.match(cdf, />100%</)
  const bytes = charts[CHART_FILES.bytesBySource]!
  wellFormed(t, bytes, 'bytes by source')
  for (const s of ['local', 'peer', 'origin']) t.match(bytes, new RegExp(`data-name="${s}"`), `bytes by source: ${s}`)
  t.match(bytes, /MiB\/s received, by source/)
  const egress = charts[CHART_FILES.originEgress]!
  const names = wellFormed(t, egress, 'origin egress')
  for (const s of ['swarm', 'direct', 'unique bytes']) t.match(egress, new RegExp(`data-name="${s}"`), `origin egress: ${s}`)
  t.ok(names.includes('path') && names.includes('text'))
  t.same(renderCharts(buildReport(fixture())), charts, 'deterministic')
})

t.test('charts of degenerate runs are still well-formed', async t => {
  const one: ReportInput = {
    scenario: 'tiny & <odd>',
    seed: 1,
    uniqueBytes: 0,
    topology: { originEgressBytesPerSecond: 1, hostDownlinkBytesPerSecond: 1, rttMs: 0 },
    swarm: { pulls: [{ host: 'a', region: 'r', image: 'i:1', startMs: 5, endMs: 5, bytes: 0, bytesBySource: { local: 0, peer: 0, origin: 0 } }], originEgressBytes: 0, crossRegionBytes: 0 }
  }
  for (const [name, svg] of Object.entries(renderCharts(buildReport(one)))) {
    wellFormed(t, svg, name)
    t.notMatch(svg, /NaN|Infinity/, `${name}: no NaN`)
    t.match(svg, /tiny &amp; &lt;odd&gt;/, `${name}: the title is escaped`)
  }
  const none: ReportInput = { ...one, swarm: { pulls: [], originEgressBytes: 0, crossRegionBytes: 0 } }
  for (const [name, svg] of Object.entries(renderCharts(buildReport(none)))) {
    wellFormed(t, svg, `${name} (no pulls)`)
    t.notMatch(svg, /NaN|Infinity/)
  }
})

t.test('writeReport: report.json, report.md and the charts, in sim-out/<scenario>-<seed>', async t => {
  const root = await mkdtemp(join(tmpdir(), 'shoal-report-'))
  t.teardown(async () => { await rm(root, { recursive: true, force: true }) })
  const report = buildReport(fixture())
  const dir = reportDir(join(root, 'sim-out'), report.scenario, report.seed)
  t.equal(dir, join(root, 'sim-out', 'hand-7'))
  const files = await writeReport(report, dir)
  t.same(files, ['report.json', 'report.md', CHART_FILES.pullTimeCdf, CHART_FILES.bytesBySource, CHART_FILES.originEgress].map(f => join(dir, f)))
  t.same((await readdir(dir)).sort(), files.map(f => f.slice(dir.length + 1)).sort())
  t.same(JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')), report, 'report.json is the report')
  const md = await readFile(join(dir, 'report.md'), 'utf8')
  t.equal(md, formatMarkdown(report))
  t.match(md, /^# Simulation report: hand, seed 7$/m)
  t.match(md, /^\| p50 pull ms \| 100 \| 600 \|$/m)
  t.match(md, /^\| origin egress \/ unique bytes \| 1\.13x \| 2\.83x \|$/m)
  t.match(md, /^\| eu \| 2 \| 100 \| 100 \| 100 \| 500 \| 1000 \| 1000 \| 5\.00x \|$/m)
  t.match(md, /^\| host \| 1270 \| c must receive/m)
  t.match(md, /p50 speed-up of the swarm over direct pulls: \*\*6\.00x\*\*/)
  t.match(md, /!\[pull-time CDF\]\(pull-time-cdf\.svg\)/)
  const first = await Promise.all(files.map(async f => await readFile(f, 'utf8')))
  await writeReport(buildReport(fixture()), dir)
  t.same(await Promise.all(files.map(async f => await readFile(f, 'utf8'))), first, 'the same input writes the same bytes')
  t.equal(reportDir('sim-out', 'a/b c', 3), join('sim-out', 'a_b_c-3'), 'a scenario name cannot escape the directory')
})
