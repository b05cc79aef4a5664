/**
 * Shared helpers of the benchmarks: argument parsing (`--json`, numbers with
 * defaults, `--help`), deterministic pseudo-random bytes, rates, alternating
 * runs, and the report (a human table; with `--json`, one JSON object as the
 * last line of stdout).
 */

const MiB = 1024 * 1024

type ArgValue = number | string | boolean
type Parsed<D extends Record<string, ArgValue>> = { -readonly [K in keyof D]: D[K] extends number ? number : D[K] extends boolean ? boolean : string }

/** The parsed arguments: every key of the defaults, `json`, and `role` (set when a bench runs itself as a child). */
export type BenchArgs<D extends Record<string, ArgValue>> = Parsed<D> & { json: boolean, role: string | undefined }

/**
 * Parse `--name value`, `--name=value`, `--flag` and `--no-flag` against the
 * defaults, whose types the values take. Unknown options, missing values and
 * non-numbers print the usage and exit with code 2; `--help` prints it and exits.
 */
export function parseBenchArgs<D extends Record<string, ArgValue>> (argv: readonly string[], defaults: D): BenchArgs<D> {
  const values: Record<string, ArgValue | undefined> = { ...defaults, json: false, role: undefined }
  const kinds: Record<string, 'number' | 'string' | 'boolean'> = { json: 'boolean', role: 'string' }
  for (const [k, v] of Object.entries(defaults)) kinds[k] = typeof v as 'number' | 'string' | 'boolean'
  const usage = (): string => 'options: ' + Object.entries(kinds).filter(([k]) => k !== 'role')
    .map(([k, kind]) => kind === 'boolean' ? `--${k}` : `--${k} <${kind}> (default ${String(values[k] ?? defaults[k])})`).join(', ')
  const fail = (msg: string): never => {
    process.stderr.write(`${msg}\n${usage()}\n`)
    process.exit(2)
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(usage() + '\n')
      process.exit(0)
    }
    if (!arg.startsWith('--')) fail(`unexpected argument ${JSON.stringify(arg)}`)
    const eq = arg.indexOf('=')
    let name = eq < 0 ? arg.slice(2) : arg.slice(2, eq)
    let negated = false
    if (kinds[name] === undefined && name.startsWith('no-') && kinds[name.slice(3)] === 'boolean') {
      name = name.slice(3)
      negated = true
    }
    const kind = kinds[name] ?? fail(`unknown option --${name}`)
    if (kind === 'boolean') {
      if (eq >= 0) fail(`--${name} takes no value`)
      values[name] = !negated
      continue
    }
    const raw = eq >= 0 ? arg.slice(eq + 1) : argv[++i] ?? fail(`--${name} needs a value`)
    if (kind === 'number') {
      const n = Number(raw)
      if (raw.trim() === '' || !Number.isFinite(n)) fail(`--${name} must be a number, got ${JSON.stringify(raw)}`)
      values[name] = n
    } else {
      values[name] = raw
    }
  }
  return values as BenchArgs<D>
}

export { randomBytes, randomStream, seededRandom } from '../sim/random.js'

/** MiB per second. */
export function mibPerSecond (bytes: number, ms: number): number {
  return bytes / MiB / (ms / 1000)
}

export function round (x: number, digits = 1): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

/**
 * Run each measurement `runs` times, alternating between them (a, b, c, a, b,
 * c, ...), so that a noisy neighbour slows all of them rather than one.
 * Each function returns its figure; the lists come back in run order.
 */
export async function alternate<K extends string> (runs: number, fns: Record<K, () => number | Promise<number>>): Promise<Record<K, number[]>> {
  const out = {} as Record<K, number[]>
  const keys = Object.keys(fns) as K[]
  for (const k of keys) out[k] = []
  for (let i = 0; i < runs; i++) {
    for (const k of keys) out[k].push(await fns[k]())
  }
  return out
}

/** Rows [label, value, note] as an aligned table, an optional last line, and with `json` the summary as one JSON line. */
export function report (json: boolean, rows: ReadonlyArray<readonly string[]>, summary: Record<string, unknown>, note?: string): void {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length) })
  const lines = rows.map(row => row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i]!)).join('  ').trimEnd())
  if (note !== undefined) lines.push(note)
  if (json) lines.push(JSON.stringify(summary))
  process.stdout.write(lines.join('\n') + '\n')
}
