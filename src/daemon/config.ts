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
}

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
  --config FILE         JSON file with any of the options above (camelCase or as flags)

Every option can also be set as SHOAL_<NAME> (e.g. SHOAL_REGION=eu-west, SHOAL_LISTEN=a,b).`

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
    const known = new Set(Object.keys(OPTIONS).filter(k => k !== 'config' && k !== 'help').map(camel))
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
    logLevel
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
  return config
}
