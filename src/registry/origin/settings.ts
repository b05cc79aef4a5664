/**
 * The client's configuration, checked once when the client is built: each
 * host's settings merged with the docker-style `auths`, and its CA file read.
 * A wrong option throws `InvalidOriginOptionError` naming the fix.
 */
import { readFileSync } from 'node:fs'
import type { OriginClientInit, OriginSettings } from './index.js'
import { MAX_CA_FILE_BYTES, MAX_CREDENTIAL_BYTES, MAX_ORIGIN_RETRIES, MAX_ORIGIN_TIMEOUT_MS, ORIGIN_RETRIES, ORIGIN_TIMEOUT_MS } from './constants.js'
import { defaultScheme, isValidHost, registryKey } from './endpoint.js'
import { InvalidOriginOptionError } from './errors.js'

export interface Credentials {
  username: string
  password: string
}

/** One host's settings with every default filled in. */
export interface ResolvedOrigin {
  scheme: 'http' | 'https'
  /** PEM text of the extra CAs, and the file it came from. */
  ca?: { pem: string, file: string }
  credentials?: Credentials
  timeoutMs: number
  retries: number
}

const INIT_KEYS = ['origins', 'auths']
const SETTING_KEYS = ['scheme', 'caFile', 'username', 'password', 'timeoutMs', 'retries']

export class OriginSettingsTable {
  private readonly settings = new Map<string, OriginSettings>()
  private readonly auths = new Map<string, Credentials>()
  private readonly cas = new Map<string, { pem: string, file: string }>()

  constructor (init: OriginClientInit) {
    if (init == null || typeof init !== 'object') throw new InvalidOriginOptionError('the origin client needs an options object ({ origins?, auths? })')
    for (const k of Object.keys(init)) {
      if (!INIT_KEYS.includes(k)) throw new InvalidOriginOptionError(`unknown origin client option ${JSON.stringify(k)}: the options are ${INIT_KEYS.join(', ')}`)
    }
    for (const [host, s] of Object.entries(init.origins ?? {})) {
      const key = checkKey(host, 'origins')
      if (this.settings.has(key)) throw new InvalidOriginOptionError(`origins: ${JSON.stringify(host)} names the same registry as another entry (${key}); keep one`)
      checkSettings(host, s)
      this.settings.set(key, s)
      if (s.caFile !== undefined) this.cas.set(key, { pem: readCaFile(host, s.caFile), file: s.caFile })
    }
    for (const [server, a] of Object.entries(init.auths ?? {})) {
      const credentials = parseAuth(server, a)
      if (credentials !== undefined) this.auths.set(checkKey(serverHost(server), `auths[${JSON.stringify(server)}]`), credentials)
    }
  }

  /** The settings of `key` (a `registryKey`), defaults for a host with none. */
  get (key: string): ResolvedOrigin {
    const s = this.settings.get(key) ?? {}
    const resolved: ResolvedOrigin = {
      scheme: s.scheme ?? defaultScheme(key),
      timeoutMs: s.timeoutMs ?? ORIGIN_TIMEOUT_MS,
      retries: s.retries ?? ORIGIN_RETRIES
    }
    const ca = this.cas.get(key)
    if (ca !== undefined) resolved.ca = ca
    const credentials = s.username !== undefined && s.password !== undefined ? { username: s.username, password: s.password } : this.auths.get(key)
    if (credentials !== undefined) resolved.credentials = credentials
    return resolved
  }
}

function checkKey (host: string, where: string): string {
  if (!isValidHost(host)) throw new InvalidOriginOptionError(`${where}: ${JSON.stringify(host.slice(0, 300))} is not a registry host; write it as host[:port], e.g. "registry.example.com:5000"`)
  return registryKey(host)
}

/** docker config.json keys may be URLs ("https://index.docker.io/v1/"): keep the host[:port]. */
function serverHost (server: string): string {
  return server.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/s, '')
}

function checkSettings (host: string, s: OriginSettings): void {
  const where = `origins[${JSON.stringify(host)}]`
  if (s == null || typeof s !== 'object') throw new InvalidOriginOptionError(`${where} must be an object of ${SETTING_KEYS.join(', ')}`)
  for (const k of Object.keys(s)) {
    if (!SETTING_KEYS.includes(k)) throw new InvalidOriginOptionError(`${where}: unknown setting ${JSON.stringify(k)}; the settings are ${SETTING_KEYS.join(', ')}`)
  }
  if (s.scheme !== undefined && s.scheme !== 'http' && s.scheme !== 'https') throw new InvalidOriginOptionError(`${where}.scheme must be "http" or "https"`)
  if (s.caFile !== undefined && (typeof s.caFile !== 'string' || s.caFile === '')) throw new InvalidOriginOptionError(`${where}.caFile must be the path of a PEM file`)
  if (s.caFile !== undefined && (s.scheme ?? defaultScheme(host)) === 'http') {
    throw new InvalidOriginOptionError(`${where}.caFile is set but the host is reached over plain http; add scheme: "https"`)
  }
  if ((s.username === undefined) !== (s.password === undefined)) throw new InvalidOriginOptionError(`${where}: set both username and password, or neither`)
  if (s.username !== undefined) checkCredentials(where, { username: s.username, password: s.password ?? '' })
  if (s.timeoutMs !== undefined && !(Number.isInteger(s.timeoutMs) && s.timeoutMs > 0 && s.timeoutMs <= MAX_ORIGIN_TIMEOUT_MS)) {
    throw new InvalidOriginOptionError(`${where}.timeoutMs must be a whole number of milliseconds from 1 to ${MAX_ORIGIN_TIMEOUT_MS}`)
  }
  if (s.retries !== undefined && !(Number.isInteger(s.retries) && s.retries >= 0 && s.retries <= MAX_ORIGIN_RETRIES)) {
    throw new InvalidOriginOptionError(`${where}.retries must be a whole number from 0 to ${MAX_ORIGIN_RETRIES}`)
  }
}

/** Entries without credentials (an `identitytoken`, a credential helper's placeholder) are skipped. */
function parseAuth (server: string, a: { auth?: string, username?: string, password?: string }): Credentials | undefined {
  const where = `auths[${JSON.stringify(server)}]`
  if (a == null || typeof a !== 'object') throw new InvalidOriginOptionError(`${where} must be an object with "auth" (base64 of user:password) or "username" and "password"`)
  if (typeof a.auth === 'string' && a.auth !== '') {
    if (a.auth.length > 4 * MAX_CREDENTIAL_BYTES || !/^[A-Za-z0-9+/]+={0,2}$/.test(a.auth)) throw new InvalidOriginOptionError(`${where}.auth is not base64 of "user:password"`)
    const decoded = Buffer.from(a.auth, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon <= 0) throw new InvalidOriginOptionError(`${where}.auth is not base64 of "user:password" (no colon after a user name)`)
    return checkCredentials(where, { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) })
  }
  if (typeof a.username === 'string' && a.username !== '' && typeof a.password === 'string') {
    return checkCredentials(where, { username: a.username, password: a.password })
  }
  return undefined
}

function checkCredentials (where: string, c: Credentials): Credentials {
  if (typeof c.username !== 'string' || typeof c.password !== 'string') throw new InvalidOriginOptionError(`${where}: username and password must be strings`)
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u001f\u007f]/
  if (c.username === '' || c.username.includes(':') || bad.test(c.username) || Buffer.byteLength(c.username) > MAX_CREDENTIAL_BYTES) {
    throw new InvalidOriginOptionError(`${where}: the username must be 1 to ${MAX_CREDENTIAL_BYTES} bytes without ':' or control characters`)
  }
  if (bad.test(c.password) || Buffer.byteLength(c.password) > MAX_CREDENTIAL_BYTES) {
    throw new InvalidOriginOptionError(`${where}: the password must be at most ${MAX_CREDENTIAL_BYTES} bytes without control characters`)
  }
  return c
}

function readCaFile (host: string, file: string): string {
  const where = `origins[${JSON.stringify(host)}].caFile`
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch (err) {
    throw new InvalidOriginOptionError(`${where}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  if (bytes.byteLength > MAX_CA_FILE_BYTES) throw new InvalidOriginOptionError(`${where}: ${file} is larger than ${MAX_CA_FILE_BYTES} bytes; it should hold a few PEM certificates`)
  const pem = bytes.toString('utf8')
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new InvalidOriginOptionError(`${where}: ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`)
  return pem
}
