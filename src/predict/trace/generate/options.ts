/** The generator's options, checked once: an unknown option or a value out of range is refused with its name. */
import {
  day, GEN_DAILY_AMPLITUDE, GEN_EPHEMERAL_PULL_SHARE, GEN_DEFAULT_DURATION_MS, GEN_DEFAULT_REGIONS, GEN_DEFAULT_HOSTS_PER_REGION, GEN_DEFAULT_PULLS_PER_HOUR,
  GEN_DEFAULT_START_MS, GEN_DEFAULT_WARMUP_MS, GEN_HOST_LIFETIME_MS, GEN_HOST_STORE_BYTES, GEN_MAX_DURATION_MS,
  GEN_MAX_HOSTS, GEN_MAX_REGIONS, GEN_MAX_ROWS, GEN_POPULARITY_EXPONENT, GEN_ROLLOUT_LAG_MAX_MS, GEN_ROLLOUT_LAG_MIN_MS,
  GEN_VERSIONS_PER_DAY, hour
} from '../constants.js'
import { TraceOptionError } from '../errors.js'
import type { GenerateTraceOptions, GenRegion } from '../index.js'

/** Regions a number of regions picks from, in order: the simulator's topology first (`peers/local.json`). */
export const GEN_REGION_PRESETS: readonly GenRegion[] = [
  { name: 'us-east', utcOffsetHours: -5 },
  { name: 'eu-west', utcOffsetHours: 0 },
  { name: 'ap-south', utcOffsetHours: 5.5 },
  { name: 'us-west', utcOffsetHours: -8 },
  { name: 'eu-central', utcOffsetHours: 1 },
  { name: 'ap-northeast', utcOffsetHours: 9 },
  { name: 'sa-east', utcOffsetHours: -3 },
  { name: 'ap-southeast', utcOffsetHours: 8 }
]

const KNOWN = new Set([
  'seed', 'durationMs', 'startMs', 'warmupMs', 'regions', 'hostsPerRegion', 'pullsPerHour', 'targetRows', 'scale',
  'catalogPath', 'catalog', 'popularityExponent', 'dailyAmplitude', 'hostStoreBytes', 'hostLifetimeMs',
  'versionsPerDay', 'ephemeralShare', 'rolloutLagMinMs', 'rolloutLagMaxMs', 'signal'
])
const REGION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export interface ResolvedRegion { name: string, utcOffsetHours: number, hosts: number }

export interface ResolvedOptions {
  seed: number
  durationMs: number
  startMs: number
  warmupMs: number
  regions: ResolvedRegion[]
  pullsPerHour: number
  targetRows: number | undefined
  scale: number
  catalogPath: string | undefined
  popularityExponent: number
  dailyAmplitude: number
  hostStoreBytes: number
  hostLifetimeMs: number
  versionsPerDay: number
  ephemeralShare: number
  rolloutLagMinMs: number
  rolloutLagMaxMs: number
}

export function resolveOptions (options: GenerateTraceOptions): ResolvedOptions {
  if (options == null || typeof options !== 'object') throw new TraceOptionError('generateTrace: options must be an object with at least a seed')
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new TraceOptionError(`unknown generateTrace option ${JSON.stringify(key)}: the options are ${[...KNOWN].join(', ')}`)
  }
  const num = (name: keyof GenerateTraceOptions, fallback: number, ok: (v: number) => boolean, want: string): number => {
    const v = (options[name] ?? fallback) as number
    if (typeof v !== 'number' || !ok(v)) throw new TraceOptionError(`${name}: ${String(v)} must be ${want}`)
    return v
  }
  const positive = (v: number): boolean => Number.isFinite(v) && v > 0
  if (!Number.isSafeInteger(options.seed)) throw new TraceOptionError(`seed: ${String(options.seed)} must be an integer`)
  const durationMs = num('durationMs', GEN_DEFAULT_DURATION_MS, v => Number.isSafeInteger(v) && v >= hour && v <= GEN_MAX_DURATION_MS, `a whole number of ms from 1 hour to ${GEN_MAX_DURATION_MS / day} days`)
  const startMs = num('startMs', GEN_DEFAULT_START_MS, v => Number.isSafeInteger(v) && v >= 0, 'a whole number of ms since the epoch')
  const warmupMs = num('warmupMs', GEN_DEFAULT_WARMUP_MS, v => Number.isSafeInteger(v) && v >= 0 && v <= GEN_MAX_DURATION_MS, `a whole number of ms from 0 to ${GEN_MAX_DURATION_MS / day} days`)
  const hostsPerRegion = num('hostsPerRegion', GEN_DEFAULT_HOSTS_PER_REGION, v => Number.isSafeInteger(v) && v >= 1 && v <= GEN_MAX_HOSTS, `a whole number from 1 to ${GEN_MAX_HOSTS}`)
  const regions = resolveRegions(options.regions, hostsPerRegion)
  const totalHosts = regions.reduce((n, r) => n + r.hosts, 0)
  if (totalHosts > GEN_MAX_HOSTS) throw new TraceOptionError(`regions: ${totalHosts} hosts in all is more than ${GEN_MAX_HOSTS}`)
  if (options.pullsPerHour !== undefined && options.targetRows !== undefined) throw new TraceOptionError('pullsPerHour and targetRows: give one (targetRows finds the pull rate that gives about that many rows)')
  const pullsPerHour = num('pullsPerHour', GEN_DEFAULT_PULLS_PER_HOUR, positive, 'a number > 0 (background pulls per hour over all regions)')
  let targetRows: number | undefined
  if (options.targetRows !== undefined) targetRows = num('targetRows', 0, v => Number.isSafeInteger(v) && v >= 100 && v <= GEN_MAX_ROWS, `a whole number from 100 to ${GEN_MAX_ROWS}`)
  const scale = num('scale', 1, v => positive(v) && v <= 1000, 'a number > 0 and at most 1000 (a factor on layer sizes)')
  if (options.catalogPath !== undefined && (typeof options.catalogPath !== 'string' || options.catalogPath === '')) throw new TraceOptionError('catalogPath: must be a file name')
  if (options.catalogPath !== undefined && options.catalog !== undefined) throw new TraceOptionError('catalogPath and catalog: give one')
  if (options.catalog !== undefined && !(Array.isArray(options.catalog?.repos) && options.catalog.repos.length > 0)) throw new TraceOptionError('catalog: must be a loaded catalog with at least one repository (see loadCatalog)')
  const rolloutLagMinMs = num('rolloutLagMinMs', GEN_ROLLOUT_LAG_MIN_MS, v => Number.isFinite(v) && v >= 0, 'a number of ms >= 0')
  const rolloutLagMaxMs = num('rolloutLagMaxMs', Math.max(GEN_ROLLOUT_LAG_MAX_MS, rolloutLagMinMs), v => Number.isFinite(v) && v >= rolloutLagMinMs, `a number of ms >= rolloutLagMinMs (${rolloutLagMinMs})`)
  return {
    seed: options.seed,
    durationMs,
    startMs,
    warmupMs,
    regions,
    pullsPerHour,
    targetRows,
    scale,
    catalogPath: options.catalogPath,
    popularityExponent: num('popularityExponent', GEN_POPULARITY_EXPONENT, v => Number.isFinite(v) && v >= 0 && v <= 4, 'a number from 0 (uniform) to 4'),
    dailyAmplitude: num('dailyAmplitude', GEN_DAILY_AMPLITUDE, v => Number.isFinite(v) && v >= 0 && v <= 1, 'a number from 0 (flat) to 1'),
    hostStoreBytes: num('hostStoreBytes', Math.round(GEN_HOST_STORE_BYTES * scale), v => Number.isSafeInteger(v) && v >= 0, 'a whole number of bytes >= 0 (0: hosts keep nothing)'),
    hostLifetimeMs: num('hostLifetimeMs', GEN_HOST_LIFETIME_MS, positive, 'a number of ms > 0'),
    versionsPerDay: num('versionsPerDay', GEN_VERSIONS_PER_DAY, v => Number.isFinite(v) && v >= 0 && v <= 10_000, 'a number from 0 to 10000'),
    ephemeralShare: num('ephemeralShare', GEN_EPHEMERAL_PULL_SHARE, v => Number.isFinite(v) && v >= 0 && v <= 1, 'a number from 0 to 1'),
    rolloutLagMinMs,
    rolloutLagMaxMs
  }
}

function resolveRegions (given: GenerateTraceOptions['regions'], hostsPerRegion: number): ResolvedRegion[] {
  if (given === undefined || typeof given === 'number') {
    const n = given ?? GEN_DEFAULT_REGIONS
    if (!(Number.isSafeInteger(n) && n >= 1 && n <= GEN_REGION_PRESETS.length)) {
      throw new TraceOptionError(`regions: ${n} must be a whole number from 1 to ${GEN_REGION_PRESETS.length}, or a list of { name, utcOffsetHours, hosts? }`)
    }
    return GEN_REGION_PRESETS.slice(0, n).map(r => ({ name: r.name, utcOffsetHours: r.utcOffsetHours, hosts: hostsPerRegion }))
  }
  if (!Array.isArray(given) || given.length === 0 || given.length > GEN_MAX_REGIONS) throw new TraceOptionError(`regions: give a number, or a list of 1 to ${GEN_MAX_REGIONS} { name, utcOffsetHours, hosts? }`)
  const seen = new Set<string>()
  return given.map((r, i) => {
    if (typeof r?.name !== 'string' || !REGION_NAME.test(r.name)) throw new TraceOptionError(`regions[${i}].name: ${JSON.stringify(r?.name)} must be letters, digits, '.', '_' or '-' (at most 64)`)
    if (seen.has(r.name)) throw new TraceOptionError(`regions[${i}].name: ${r.name} is used twice`)
    seen.add(r.name)
    if (!(typeof r.utcOffsetHours === 'number' && r.utcOffsetHours >= -12 && r.utcOffsetHours <= 14)) throw new TraceOptionError(`regions[${i}].utcOffsetHours: ${String(r.utcOffsetHours)} must be from -12 to 14`)
    const hosts = r.hosts ?? hostsPerRegion
    if (!(Number.isSafeInteger(hosts) && hosts >= 1 && hosts <= GEN_MAX_HOSTS)) throw new TraceOptionError(`regions[${i}].hosts: ${hosts} must be a whole number from 1 to ${GEN_MAX_HOSTS}`)
    return { name: r.name, utcOffsetHours: r.utcOffsetHours, hosts }
  })
}
