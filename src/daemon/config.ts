/**
 * Daemon configuration from, in rising precedence: a JSON config file
 * (`--config`), `SHOAL_*` environment variables, and flags. Validated once,
 * here; an unknown option is refused with a message that names the fix.
 */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { defaultDataDir } from '../cli/paths.js'
import { parseArgs } from 'node:util'
import { DEFAULT_LISTEN, DEFAULT_REGION } from './constants.js'
import { DEFAULT_MIRROR_LISTEN, isRegistryHost, parseHostPort } from '../registry/index.js'
import type { OriginSettings } from '../registry/origin/index.js'
import { parseBlockLevels, type BlockLevel } from '../threat/guard/index.js'
import { ELECTION_TICKS, RAFT_TICK_MS } from '../quorum/raft/constants.js'
import { parseWeights, type PriorityWeights } from '../predict/priority/index.js'
import { PRIORITY_INTERVAL_MS, PRIORITY_MAX_INTERVAL_MS, PRIORITY_MIN_INTERVAL_MS } from '../predict/service/constants.js'

/** The replica quorum's election timeout: the Raft core's default ticks at its tick rate. */
export const DEFAULT_ELECTION_TIMEOUT_MS = ELECTION_TICKS * RAFT_TICK_MS
/** Two ticks: the fewest the Raft core takes (a heartbeat is one). */
export const MIN_ELECTION_TIMEOUT_MS = 2 * RAFT_TICK_MS
/** A minute without a leader before anyone stands is already far too patient. */
export const MAX_ELECTION_TIMEOUT_MS = 600 * RAFT_TICK_MS

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export interface DaemonConfig {
  /** Data directory: shards, metadata, peer key, admin socket. */
  data: string
  region: string
  listen: string[]
  announce: string[]
  /** A peers file (`peers/*.json`): regions and their seeds. */
  peers?: string
  /** Extra bootstrap multiaddrs. */
  bootstrap: string[]
  /** Path of a libp2p pnet swarm key file. */
  swarmKey?: string
  /** Admin API: a unix socket path, or `127.0.0.1:PORT`. @default `<data>/admin.sock` */
  admin?: string
  /** Most bytes of shards to hold. @default unlimited */
  capacityBytes?: number
  maxConnections?: number
  logLevel: string
  /** The registry mirror's `host:port`, or null for none. @default 127.0.0.1:5050 */
  mirror: string | null
  /** Origin host for mirror requests that name none (containerd names it with `?ns=`). */
  origin?: string
  /** Per origin host: scheme, CA file, credentials, timeouts (config file only). */
  origins: Record<string, OriginSettings>
  /** docker `config.json` style credentials per origin host: from `registryAuth` (a file) or `auths` (config file). */
  auths: Record<string, OriginAuth>
  /** Answer a tag from its last known digest when the origin is unreachable. @default true */
  tagFallback: boolean
  /** Look for each image's shard index artifact (a referrer) at the origin and trust it. @default true */
  artifacts: boolean
  /** Scan stored layers against the threat feeds and keep known malware out. @default true */
  threat: boolean
  /** Vulnerability levels that also quarantine a layer (malware always does). @default [] */
  threatBlock: BlockLevel[]
  /**
   * Run the replica quorum: a voting Raft node on the seeds named in the peers
   * file, a client of theirs elsewhere. @default on when the peers file names seeds
   */
  quorum?: boolean
  /** Time without a leader before a seed stands for election (randomized up to twice it). @default DEFAULT_ELECTION_TIMEOUT_MS (1 s) */
  electionTimeoutMs: number
  /** Score layers (usage, threat, proximity) and gossip the top ones on `shoal/priority/1`. @default true */
  priority: boolean
  /** `usage,threat,proximity`. @default the priority defaults (0.6,-0.25,0.4) */
  priorityWeights?: PriorityWeights
  /** Time between priority rounds. @default PRIORITY_INTERVAL_MS (5 min) */
  priorityIntervalMs: number
}

export interface OriginAuth { auth?: string, username?: string, password?: string }

const OPTIONS = {
  config: { type: 'string' },
  data: { type: 'string' },
  region: { type: 'string' },
  listen: { type: 'string', multiple: true },
  announce: { type: 'string', multiple: true },
  peers: { type: 'string' },
  bootstrap: { type: 'string', multiple: true },
  'swarm-key': { type: 'string' },
  admin: { type: 'string' },
  capacity: { type: 'string' },
  'max-connections': { type: 'string' },
  'log-level': { type: 'string' },
  mirror: { type: 'string' },
  origin: { type: 'string' },
  'registry-auth': { type: 'string' },
  'tag-fallback': { type: 'string' },
  artifacts: { type: 'string' },
  threat: { type: 'string' },
  'threat-block': { type: 'string' },
  quorum: { type: 'string' },
  'election-timeout-ms': { type: 'string' },
  priority: { type: 'string' },
  'priority-weights': { type: 'string' },
  'priority-interval-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' }
} as const

export const DAEMON_USAGE = `usage: shoal daemon [options]

  --data DIR            data directory (default $SHOAL_DATA or ~/.local/share/shoal)
  --region NAME         this host's region (default "${DEFAULT_REGION}")
  --listen MULTIADDR    p2p listen address, repeatable (default ${DEFAULT_LISTEN})
  --announce MULTIADDR  address to announce instead, repeatable
  --peers FILE          peers file: regions and their seeds' multiaddrs
  --bootstrap MULTIADDR extra bootstrap peer, repeatable
  --swarm-key FILE      libp2p pnet key: only peers with the same key connect
  --admin SOCKET|HOST:PORT  admin API (default <data>/admin.sock; TCP on loopback only)
  --capacity SIZE       most shard bytes to keep, e.g. 20GiB (default unlimited)
  --max-connections N   (default 256)
  --log-level LEVEL     trace|debug|info|warn|error (default info)
  --mirror HOST:PORT    registry mirror address for containerd (default ${DEFAULT_MIRROR_LISTEN}; "off" for none)
  --origin HOST         origin registry for requests that name none (containerd names it with ?ns=)
  --registry-auth FILE  docker config.json with "auths" per registry host (e.g. ~/.docker/config.json)
  --tag-fallback on|off when the origin is unreachable, resolve a tag to its last known digest (default on)
  --artifacts on|off    look for each image's shard index artifact at the origin (shoal index push) and
                        trust it (default on; off saves one or two origin requests per image manifest)
  --threat on|off       scan stored layers against the threat feeds (shoal threat feeds add) and
                        quarantine known malware: never served, never announced (default on)
  --threat-block LEVELS also quarantine layers with these findings, comma-separated: kev-critical,
                        kev, critical, high (default off: malware only)
  --quorum on|off       the replica quorum: seeds (--peers, multiaddrs ending in /p2p/<peer id>) vote
                        on replica targets, other daemons ask them (default on when --peers names seeds)
  --election-timeout-ms N  time without a leader before a seed stands for election, a multiple of
                        ${RAFT_TICK_MS} from ${MIN_ELECTION_TIMEOUT_MS} to ${MAX_ELECTION_TIMEOUT_MS} (default ${DEFAULT_ELECTION_TIMEOUT_MS})
  --priority on|off     score layers by usage, threat and proximity and gossip the top ones (default on)
  --priority-weights U,T,P  the weights of usage, threat and proximity (default 0.6,-0.25,0.4)
  --priority-interval-ms N  time between priority rounds, ${PRIORITY_MIN_INTERVAL_MS} to ${PRIORITY_MAX_INTERVAL_MS} (default ${PRIORITY_INTERVAL_MS})
  --config FILE         JSON file with any of the options above (camelCase or as flags), and:
                        "origins": { "HOST": { "scheme": "http"|"https", "caFile", "username",
                        "password", "timeoutMs", "retries" } }, "auths": { "HOST": { "auth": BASE64 } }

Every option can also be set as SHOAL_<NAME> (e.g. SHOAL_REGION=eu-west, SHOAL_LISTEN=a,b).`

/** Options with structure: config file only. */
const FILE_ONLY = ['origins', 'auths']

const SIZE_RE = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?$/i
const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 }

export function parseSize (s: string, what: string): number {
  const m = SIZE_RE.exec(s.trim())
  if (m == null) throw new ConfigError(`${what}: ${JSON.stringify(s)} is not a size; write e.g. 500MiB or 20GiB`)
  return Math.floor(Number(m[1]) * (UNITS[(m[2] ?? 'b').toLowerCase()] ?? 1))
}

function camel (flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())
}

/** Parse argv (after `daemon`), the environment and the config file into a validated config. */
export async function loadConfig (argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<DaemonConfig | 'help'> {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false })
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}; see shoal daemon --help`)
  }
  if (parsed.values.help === true) return 'help'
  const merged: Record<string, unknown> = {}
  const file = parsed.values.config ?? env.SHOAL_CONFIG
  if (file != null) {
    let json: unknown
    try {
      json = JSON.parse(await readFile(file, 'utf8'))
    } catch (err) {
      throw new ConfigError(`config file ${file}: ${(err as Error).message}`)
    }
    if (typeof json !== 'object' || json == null || Array.isArray(json)) throw new ConfigError(`config file ${file}: must hold a JSON object`)
    const known = new Set([...Object.keys(OPTIONS).filter(k => k !== 'config' && k !== 'help').map(camel), ...FILE_ONLY])
    for (const [k, v] of Object.entries(json)) {
      const key = camel(k)
      if (!known.has(key)) throw new ConfigError(`config file ${file}: unknown option ${JSON.stringify(k)}; known options are ${[...known].join(', ')}`)
      merged[key] = v
    }
  }
  for (const flag of Object.keys(OPTIONS)) {
    if (flag === 'config' || flag === 'help') continue
    const v = env['SHOAL_' + flag.toUpperCase().replace(/-/g, '_')]
    if (v == null || v === '') continue
    merged[camel(flag)] = (OPTIONS as Record<string, { multiple?: boolean }>)[flag]?.multiple === true ? v.split(',').map(s => s.trim()).filter(Boolean) : v
  }
  for (const [flag, v] of Object.entries(parsed.values)) {
    if (flag === 'config' || flag === 'help' || v == null) continue
    merged[camel(flag)] = v
  }
  const str = (k: string): string | undefined => {
    const v = merged[k]
    if (v == null) return undefined
    if (typeof v !== 'string' && typeof v !== 'number') throw new ConfigError(`option ${k} must be a string`)
    return String(v)
  }
  const list = (k: string): string[] => {
    const v = merged[k]
    if (v == null) return []
    if (typeof v === 'string') return [v]
    if (Array.isArray(v) && v.every(x => typeof x === 'string')) return v
    throw new ConfigError(`option ${k} must be a string or a list of strings`)
  }
  const region = str('region') ?? DEFAULT_REGION
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(region)) throw new ConfigError(`region ${JSON.stringify(region)}: use letters, digits, '.', '_' or '-' (at most 64)`)
  const capacity = str('capacity')
  const maxConn = str('maxConnections')
  const logLevel = str('logLevel') ?? 'info'
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(logLevel)) throw new ConfigError(`log level ${JSON.stringify(logLevel)}: use trace, debug, info, warn, error or silent`)
  const config: DaemonConfig = {
    data: resolve(str('data') ?? defaultDataDir(env)),
    region,
    listen: list('listen').length > 0 ? list('listen') : [DEFAULT_LISTEN],
    announce: list('announce'),
    bootstrap: list('bootstrap'),
    logLevel,
    mirror: null,
    origins: {},
    auths: {},
    tagFallback: true,
    artifacts: true,
    threat: true,
    threatBlock: [],
    electionTimeoutMs: DEFAULT_ELECTION_TIMEOUT_MS,
    priority: true,
    priorityIntervalMs: PRIORITY_INTERVAL_MS
  }
  const peers = str('peers'); if (peers != null) config.peers = resolve(peers)
  const swarmKey = str('swarmKey'); if (swarmKey != null) config.swarmKey = resolve(swarmKey)
  const admin = str('admin'); if (admin != null) config.admin = admin
  if (capacity != null) config.capacityBytes = parseSize(capacity, 'capacity')
  if (maxConn != null) {
    const n = Number(maxConn)
    if (!Number.isInteger(n) || n < 1) throw new ConfigError(`max-connections must be a positive integer, got ${JSON.stringify(maxConn)}`)
    config.maxConnections = n
  }
  const mirror = str('mirror') ?? DEFAULT_MIRROR_LISTEN
  if (mirror !== 'off') {
    try { parseHostPort(mirror) } catch (err) { throw new ConfigError((err as Error).message) }
  }
  config.mirror = mirror === 'off' ? null : mirror
  const origin = str('origin')
  if (origin != null) {
    if (!isRegistryHost(origin)) throw new ConfigError(`origin ${JSON.stringify(origin)}: write a registry host such as docker.io or registry.example.com:5000 (no scheme, no path)`)
    config.origin = origin
  }
  const tagFallback = merged.tagFallback ?? 'on'
  if (!['on', 'off', true, false].includes(tagFallback as string | boolean)) throw new ConfigError(`tag-fallback must be on or off, got ${JSON.stringify(tagFallback)}`)
  config.tagFallback = tagFallback === 'on' || tagFallback === true
  const artifacts = merged.artifacts ?? 'on'
  if (!['on', 'off', true, false].includes(artifacts as string | boolean)) throw new ConfigError(`artifacts must be on or off, got ${JSON.stringify(artifacts)}`)
  config.artifacts = artifacts === 'on' || artifacts === true
  const threat = merged.threat ?? 'on'
  if (!['on', 'off', true, false].includes(threat as string | boolean)) throw new ConfigError(`threat must be on or off, got ${JSON.stringify(threat)}`)
  config.threat = threat === 'on' || threat === true
  const block = merged.threatBlock
  if (block != null) {
    if (typeof block !== 'string' && !(Array.isArray(block) && block.every(b => typeof b === 'string'))) throw new ConfigError('threat-block must be a comma-separated string or a list of levels')
    try { config.threatBlock = parseBlockLevels(block as string | string[]) } catch (err) { throw new ConfigError((err as Error).message) }
  }
  const quorum = merged.quorum
  if (quorum != null) {
    if (!['on', 'off', true, false].includes(quorum as string | boolean)) throw new ConfigError(`quorum must be on or off, got ${JSON.stringify(quorum)}`)
    config.quorum = quorum === 'on' || quorum === true
  }
  const election = str('electionTimeoutMs')
  if (election != null) config.electionTimeoutMs = parseElectionTimeout(election)
  const priority = merged.priority ?? 'on'
  if (!['on', 'off', true, false].includes(priority as string | boolean)) throw new ConfigError(`priority must be on or off, got ${JSON.stringify(priority)}`)
  config.priority = priority === 'on' || priority === true
  const weights = str('priorityWeights')
  if (weights != null) {
    try { config.priorityWeights = parseWeights(weights) } catch (err) { throw new ConfigError(`priority-weights: ${(err as Error).message}`) }
  }
  const interval = str('priorityIntervalMs')
  if (interval != null) {
    const n = /^\d{1,9}$/.test(interval.trim()) ? Number(interval.trim()) : NaN
    if (!(n >= PRIORITY_MIN_INTERVAL_MS && n <= PRIORITY_MAX_INTERVAL_MS)) throw new ConfigError(`priority-interval-ms must be a whole number of ms from ${PRIORITY_MIN_INTERVAL_MS} to ${PRIORITY_MAX_INTERVAL_MS}, got ${JSON.stringify(interval)}`)
    config.priorityIntervalMs = n
  }
  config.origins = parseOrigins(merged.origins)
  config.auths = parseAuths(merged.auths, 'auths')
  const authFile = str('registryAuth')
  if (authFile != null) {
    let json: unknown
    try {
      json = JSON.parse(await readFile(authFile, 'utf8'))
    } catch (err) {
      throw new ConfigError(`registry-auth file ${authFile}: ${(err as Error).message}`)
    }
    const auths = (json as { auths?: unknown } | null)?.auths
    config.auths = { ...parseAuths(auths ?? {}, `registry-auth file ${authFile}`), ...config.auths }
  }
  return config
}

function parseElectionTimeout (s: string): number {
  const n = /^\d{1,9}$/.test(s.trim()) ? Number(s.trim()) : NaN
  if (!(n >= MIN_ELECTION_TIMEOUT_MS && n <= MAX_ELECTION_TIMEOUT_MS) || n % RAFT_TICK_MS !== 0) {
    throw new ConfigError(`election-timeout-ms must be a multiple of ${RAFT_TICK_MS} (the quorum's tick) from ${MIN_ELECTION_TIMEOUT_MS} to ${MAX_ELECTION_TIMEOUT_MS}, got ${JSON.stringify(s)}`)
  }
  return n
}

const ORIGIN_KEYS = new Set(['scheme', 'caFile', 'username', 'password', 'timeoutMs', 'retries'])

function parseOrigins (v: unknown): Record<string, OriginSettings> {
  if (v == null) return {}
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError('origins must be an object keyed by registry host')
  const out: Record<string, OriginSettings> = {}
  for (const [host, raw] of Object.entries(v as Record<string, unknown>)) {
    if (!isRegistryHost(host)) throw new ConfigError(`origins: ${JSON.stringify(host)} is not a registry host (host or host:port, no scheme)`)
    if (typeof raw !== 'object' || raw == null || Array.isArray(raw)) throw new ConfigError(`origins.${host} must be an object`)
    const o = raw as Record<string, unknown>
    for (const k of Object.keys(o)) if (!ORIGIN_KEYS.has(k)) throw new ConfigError(`origins.${host}: unknown option ${JSON.stringify(k)}; known options are ${[...ORIGIN_KEYS].join(', ')}`)
    const settings: OriginSettings = {}
    if (o.scheme != null) {
      if (o.scheme !== 'http' && o.scheme !== 'https') throw new ConfigError(`origins.${host}.scheme must be "http" or "https"`)
      settings.scheme = o.scheme
    }
    for (const k of ['caFile', 'username', 'password'] as const) {
      if (o[k] == null) continue
      if (typeof o[k] !== 'string') throw new ConfigError(`origins.${host}.${k} must be a string`)
      settings[k] = k === 'caFile' ? resolve(o[k]) : o[k]
    }
    for (const k of ['timeoutMs', 'retries'] as const) {
      if (o[k] == null) continue
      if (typeof o[k] !== 'number' || !Number.isInteger(o[k]) || o[k] < 0) throw new ConfigError(`origins.${host}.${k} must be a non-negative integer`)
      settings[k] = o[k]
    }
    out[host] = settings
  }
  return out
}

function parseAuths (v: unknown, what: string): Record<string, OriginAuth> {
  if (v == null) return {}
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${what}: "auths" must be an object keyed by registry host`)
  const out: Record<string, OriginAuth> = {}
  for (const [rawHost, raw] of Object.entries(v as Record<string, unknown>)) {
    // docker writes "https://index.docker.io/v1/" for Docker Hub; keep the host only.
    const host = rawHost.replace(/^https?:\/\//, '').replace(/\/.*$/, '')
    const a = raw as Record<string, unknown> | null
    if (typeof a !== 'object' || a == null) throw new ConfigError(`${what}: auths.${rawHost} must be an object`)
    const entry: OriginAuth = {}
    for (const k of ['auth', 'username', 'password'] as const) {
      if (a[k] == null) continue
      if (typeof a[k] !== 'string') throw new ConfigError(`${what}: auths.${rawHost}.${k} must be a string`)
      entry[k] = a[k]
    }
    out[host === 'index.docker.io' ? 'docker.io' : host] = entry
  }
  return out
}
