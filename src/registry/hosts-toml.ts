/**
 * containerd's registry host configuration for the shoal mirror: one
 * `<dir>/<origin host>/hosts.toml` per origin registry, naming the mirror as
 * the host to pull and resolve through, with the origin itself as `server`,
 * the fallback containerd uses when the mirror fails. containerd looks the
 * directory up by the image reference's host, literally (`127.0.0.1:5000`
 * keeps its colon), and reads the files on every pull, so a change needs no
 * restart. `shoal containerd configure` writes these.
 */
import { defaultScheme, isLoopbackHost } from './origin/endpoint.js'
import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises'
import { isIPv4, isIPv6 } from 'node:net'
import { join } from 'node:path'

/** Where containerd's CRI plugin and `ctr --hosts-dir` conventionally look. */
export const DEFAULT_HOSTS_DIR = '/etc/containerd/certs.d'
/** Docker Hub's images are named `docker.io/...`, but its registry API is served here. */
export const DOCKER_HUB_SERVER = 'https://registry-1.docker.io'

const HOSTS_FILE = 'hosts.toml'
const MAX_HOST_CHARS = 253
const LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

/** An origin that is not `host[:port]` (a scheme, a path, a bad name or port); the message names the fix. */
export class InvalidOriginHostError extends Error {
  override name = 'InvalidOriginHostError' as const
}

/** A mirror that is not an `http://` or `https://` URL of a server alone; the message names the fix. */
export class InvalidMirrorUrlError extends Error {
  override name = 'InvalidMirrorUrlError' as const
}

export interface HostsTomlInit {
  /** The origin registry host as images name it: `docker.io`, `ghcr.io`, `127.0.0.1:5000`, `[::1]:5000`. */
  origin: string
  /** The shoal mirror: `http://127.0.0.1:5050` (DEFAULT_MIRROR_URL). */
  mirror: string
  /** Do not verify the mirror's TLS certificate (an https mirror with a self-signed one). @default false */
  skipVerify?: boolean
}

export interface WriteHostsTomlInit extends HostsTomlInit {
  /** @default DEFAULT_HOSTS_DIR (/etc/containerd/certs.d) */
  dir?: string
}

/** The hosts.toml for one origin. Throws InvalidOriginHostError or InvalidMirrorUrlError. */
export function hostsToml (init: HostsTomlInit): string {
  const origin = checkOriginHost(init.origin)
  const mirror = checkMirrorUrl(init.mirror)
  return [
    `server = ${tomlString(originServer(origin))}`,
    '',
    `[host.${tomlString(mirror)}]`,
    '  capabilities = ["pull", "resolve"]',
    ...(init.skipVerify === true ? ['  skip_verify = true'] : []),
    ''
  ].join('\n')
}

/** Where containerd looks for the hosts.toml of `origin` under `dir`. */
export function hostsTomlPath (dir: string, origin: string): string {
  return join(dir, checkOriginHost(origin), HOSTS_FILE)
}

/** Write `<dir>/<origin>/hosts.toml` atomically (temp file, fsync, rename), creating the directories. */
export async function writeHostsToml (init: WriteHostsTomlInit): Promise<{ path: string, content: string }> {
  const content = hostsToml(init)
  const path = hostsTomlPath(init.dir ?? DEFAULT_HOSTS_DIR, init.origin)
  const hostDir = join(path, '..')
  await mkdir(hostDir, { recursive: true })
  const tmp = join(hostDir, `.${HOSTS_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  let fh: FileHandle | undefined
  let renamed = false
  try {
    fh = await open(tmp, 'wx', 0o644)
    await fh.writeFile(content, 'utf8')
    await fh.sync()
    await fh.close()
    fh = undefined
    await rename(tmp, path)
    renamed = true
  } finally {
    await fh?.close()
    if (!renamed) await rm(tmp, { force: true })
  }
  await syncDir(hostDir)
  return { path, content }
}

/**
 * `host[:port]` as containerd names its directory: a DNS name or IPv4
 * address, or an IPv6 address in brackets, lower-cased, with an optional
 * port. Throws InvalidOriginHostError saying what to give instead.
 */
export function checkOriginHost (origin: string): string {
  const shown = JSON.stringify(String(origin).slice(0, 300))
  const fail = (why: string): never => { throw new InvalidOriginHostError(`origin ${shown} ${why}`) }
  if (typeof origin !== 'string' || origin === '') fail('is empty; give a registry host such as docker.io, ghcr.io or 127.0.0.1:5000')
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/(.*)$/i.exec(origin)
  if (scheme != null) fail(`has a scheme; give the host only: ${(scheme[1] ?? '').split('/')[0] ?? ''}`)
  if (origin.includes('/')) fail(`has a path; give the host only: ${origin.split('/')[0] ?? ''} (containerd configures whole registries, not repositories)`)
  if (/[\s@?#\\]/.test(origin)) fail('is not a host name; give host[:port], e.g. ghcr.io or 127.0.0.1:5000')
  const lower = origin.toLowerCase()
  let host: string
  let port: string | undefined
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(lower)
  if (bracketed != null) {
    host = bracketed[1] ?? ''
    port = bracketed[2]
    if (!isIPv6(host)) fail('has brackets around something that is not an IPv6 address')
  } else {
    if (isIPv6(lower)) fail(`is an IPv6 address without brackets; give [${lower}] (or [${lower}]:PORT)`)
    const m = /^([^:]*)(?::(\d+))?$/.exec(lower)
    if (m == null) fail('has a bad port; give host[:port] with a port from 1 to 65535')
    host = m?.[1] ?? ''
    port = m?.[2]
    if (host.length > MAX_HOST_CHARS) fail(`is longer than ${MAX_HOST_CHARS} characters`)
    if (/^[\d.]+$/.test(host)) {
      if (!isIPv4(host)) fail('is not a valid IPv4 address')
    } else if (!host.split('.').every(label => LABEL_RE.test(label))) {
      fail('is not a valid host name (letters, digits and hyphens, in dot-separated labels)')
    }
  }
  if (port != null && (port.startsWith('0') || port.length > 5 || Number(port) > 65535)) fail('has a port outside 1-65535 (or with a leading zero)')
  return lower
}

/** The mirror as containerd wants it: `scheme://host[:port]`, nothing after. Throws InvalidMirrorUrlError. */
export function checkMirrorUrl (mirror: string): string {
  const shown = JSON.stringify(String(mirror).slice(0, 300))
  let url: URL
  try {
    url = new URL(mirror)
  } catch {
    throw new InvalidMirrorUrlError(`mirror ${shown} is not a URL; give http://HOST:PORT, e.g. http://127.0.0.1:5050`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidMirrorUrlError(`mirror ${shown} must be http:// or https://, not ${url.protocol}//`)
  }
  if (url.username !== '' || url.password !== '') {
    throw new InvalidMirrorUrlError(`mirror ${shown} has credentials in it; the mirror takes none, so give ${url.protocol}//${url.host}`)
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw new InvalidMirrorUrlError(`mirror ${shown} has a path or query; give the server only (${url.protocol}//${url.host}): containerd adds /v2/ itself`)
  }
  return url.origin
}

/** What containerd falls back to when the mirror fails: the origin's registry API. */
export function originServer (origin: string): string {
  if (origin === 'docker.io') return DOCKER_HUB_SERVER
  return `${defaultScheme(origin)}://${origin}`
}

/** A TOML basic string. JSON's escapes are all valid TOML escapes. */
function tomlString (s: string): string {
  return JSON.stringify(s)
}

/** Make the rename durable. Not every platform lets a directory be opened for fsync; that is not an error. */
async function syncDir (dir: string): Promise<void> {
  let fh: FileHandle | undefined
  try {
    fh = await open(dir, 'r')
    await fh.sync()
  } catch {
    // best effort
  } finally {
    await fh?.close()
  }
}

export { isLoopbackHost }
