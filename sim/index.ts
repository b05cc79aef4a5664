/**
 * `npm run sim`: a multi-region swarm of real daemons on this machine, over
 * links shaped like the topology's (`peers/local.json`: 3 regions of 4
 * hosts), against an embedded origin registry. Each scenario runs twice,
 * through the swarm and with every host pulling straight from the origin,
 * and the report compares the two: pull times per region, origin egress,
 * cross-region bytes, the time to distribute against a lower bound.
 *
 *   npm run sim [-- --scenario default|rollout|catalog|trace] [--trace FILE] [--seed N]
 *               [--topology FILE] [--out DIR] [--json] [--keep]
 */
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { planHosts, readTopology, type Topology } from './net/index.js'
import { buildReport, formatTable, reportDir, writeReport, type Report } from './report/index.js'
import { catalogWorkload, loadCatalog, rolloutWorkload, traceWorkload, type WorkloadPlan } from './workload/index.js'
import { runScenario } from './run/scenario.js'

const here = dirname(fileURLToPath(import.meta.url))
const ROOT = resolve(here, here.includes('dist') ? '../..' : '..')
const MiB = 1024 * 1024

const USAGE = `usage: npm run sim -- [options]

Runs scenarios on a local swarm of real daemons over shaped links, each
against the same workload pulled straight from the origin, and writes
sim-out/<scenario>-<seed>/ (report.json, report.md, SVG charts).

Scenarios:
  default         rollout, then catalog (about 5 minutes on 2 cores)
  rollout         every host pulls one 32 MiB, 6-layer image within 10 s
  catalog         images shaped like the Docker Hub catalog (../shared/data/catalog,
                  or a synthetic one with its published statistics), scaled
                  down; pulls arrive per region as a Poisson process for 60 s
  trace           replay --trace FILE.csv (header: ts_ms,client,blob,bytes[,repo,region])

Options:
  --scenario NAME   (default: default)
  --trace FILE      the CSV for the trace scenario
  --seed N          seeds the workload (default 1): the same seed, the same workload
  --topology FILE   regions, hosts, RTTs, bandwidths (default peers/local.json)
  --duration S      catalog: seconds of arrivals (default 60)
  --out DIR         where reports go (default sim-out)
  --json            print report.json's content (of the last scenario) as the last line
  --keep            keep the daemons' data directories and logs
  --log-level L     the daemons' log level (default warn)
  -h, --help        show this help

Environment:
  SHOAL_SIM_NODE_ARGS   extra node options for every daemon, split on spaces; to
                        profile the swarm: "--cpu-prof --cpu-prof-dir /tmp/prof"`

function rolloutPlan (topology: Topology, seed: number): WorkloadPlan {
  const sizes = [12, 8, 6, 3, 2, 1].map(m => m * MiB)
  return rolloutWorkload({ image: { name: 'sim/rollout', tag: 'v1', layers: sizes.map(sizeBytes => ({ sizeBytes })) }, hosts: planHosts(topology), windowMs: 10_000, seed })
}

async function catalogPlan (topology: Topology, seed: number, durationS: number): Promise<WorkloadPlan> {
  const catalog = await loadCatalog({ seed })
  return catalogWorkload({ catalog, hosts: planHosts(topology), seed, durationMs: durationS * 1000, pullsPerHostPerMinute: 1, maxUniqueBytes: 48 * MiB })
}

function progressBar (label: string, quiet: boolean): (done: number, total: number, run: string) => void {
  return (done, total, run) => {
    if (quiet) return
    const width = 30
    const filled = Math.round(width * done / total)
    const line = `${label} ${run.padEnd(6)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} pulls`
    if (process.stderr.isTTY) process.stderr.write(`\r${line}${done === total ? '\n' : ''}`)
    else if (done === total) process.stderr.write(line + '\n')
  }
}

function summary (r: Report): string {
  const f = (x: number | null, d = 2): string => x == null ? '-' : x.toFixed(d)
  return [
    `swarm p50 ${f(r.swarm.p50PullMs, 0)} ms, direct p50 ${f(r.direct?.p50PullMs ?? null, 0)} ms: speed-up ${f(r.speedupP50)}`,
    `origin egress / unique bytes: swarm ${f(r.swarm.originEgressRatio)}, direct ${f(r.direct?.originEgressRatio ?? null)}`,
    `time to distribute ${f(r.distributeMs / 1000, 1)} s, lower bound ${f(r.distributeLowerBoundMs / 1000, 1)} s: ${f(r.distributeVsLowerBound)}x`
  ].join('\n')
}

async function main (): Promise<number> {
  let values
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        scenario: { type: 'string' }, trace: { type: 'string' }, seed: { type: 'string' }, topology: { type: 'string' },
        duration: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, keep: { type: 'boolean' },
        'log-level': { type: 'string' }, help: { type: 'boolean', short: 'h' }
      }
    }))
  } catch (err) {
    process.stderr.write(`sim: ${(err as Error).message}\n${USAGE}\n`); return 2
  }
  if (values.help === true) { process.stdout.write(USAGE + '\n'); return 0 }
  const seed = Number(values.seed ?? 1)
  const durationS = Number(values.duration ?? 60)
  if (!Number.isSafeInteger(seed) || seed < 0) { process.stderr.write('sim: --seed must be a non-negative integer\n'); return 2 }
  if (!(durationS > 0 && durationS <= 3600)) { process.stderr.write('sim: --duration must be in (0, 3600] seconds\n'); return 2 }
  const scenario = values.scenario ?? 'default'
  const names = scenario === 'default' ? ['rollout', 'catalog'] : [scenario]
  if (!names.every(n => ['rollout', 'catalog', 'trace'].includes(n))) { process.stderr.write(`sim: unknown scenario ${JSON.stringify(scenario)}\n${USAGE}\n`); return 2 }
  if (names.includes('trace') && values.trace == null) { process.stderr.write('sim: the trace scenario needs --trace FILE.csv\n'); return 2 }
  const nodeArgs = (process.env.SHOAL_SIM_NODE_ARGS ?? '').split(' ').filter(a => a !== '')
  const topologyFile = resolve(values.topology ?? resolve(ROOT, 'peers/local.json'))
  const topology = await readTopology(topologyFile)
  const out = resolve(values.out ?? 'sim-out')
  const quiet = values.json === true
  const say = (s: string): void => { if (!quiet) process.stdout.write(s + '\n') }
  const digestCache = new Map<string, string>()
  let last: Report | undefined
  for (const name of names) {
    const plan = name === 'rollout'
      ? rolloutPlan(topology, seed)
      : name === 'catalog'
        ? await catalogPlan(topology, seed, durationS)
        : traceWorkload(await readFile(values.trace!, 'utf8'), { hosts: planHosts(topology), seed })
    say(`\n== ${name}: ${plan.pulls.length} pulls of ${plan.images.length} images (${(plan.pulledUniqueBytes / MiB).toFixed(1)} MiB unique) on ${planHosts(topology).length} hosts in ${Object.keys(topology.regions).length} regions`)
    const input = await runScenario({
      name, topology, topologyFile, plan, seed, digestCache,
      progress: progressBar(name, quiet),
      ...(values['log-level'] != null ? { logLevel: values['log-level'] } : {}),
      ...(values.keep === true ? { keep: true } : {}),
      ...(nodeArgs.length > 0 ? { nodeArgs } : {})
    })
    const report = buildReport(input)
    const dir = reportDir(out, name, seed)
    await writeReport(report, dir)
    say(formatTable(report))
    say(summary(report))
    say(`report: ${dir}/report.md (and report.json, SVG charts)`)
    last = report
  }
  if (values.json === true && last != null) process.stdout.write(JSON.stringify(last) + '\n')
  return 0
}

main().then(code => { process.exitCode = code }, err => {
  process.stderr.write(`sim: ${(err as Error).stack ?? String(err)}\n`)
  process.exitCode = 1
})
