/**
 * Where a request for `host/repo` really goes: Docker Hub's names map to its
 * API host and its official images get `library/`; loopback hosts speak
 * plain HTTP unless told otherwise. Also the grammar checks that keep a
 * caller's strings from turning into some other URL.
 */
import { isIPv4, isIPv6 } from 'node:net'
import { DOCKER_HUB_ALIASES, DOCKER_HUB_HOST, DOCKER_HUB_REGISTRY } from './constants.js'
import { InvalidOriginRequestError } from './errors.js'

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
const HOST_RE = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*|\\[[0-9A-Fa-f:.]+\\])(?::(\\d{1,5}))?$`)
const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*'
const REPO_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`)
const MAX_REPO_BYTES = 255
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/
const DIGEST_RE = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/

export interface Endpoint {
  /** The host the settings and credentials are looked up under (Docker Hub's aliases are all "docker.io"). */
  key: string
  /** The host the API is served from ("registry-1.docker.io" for Docker Hub). */
  apiHost: string
  repo: string
}

/** The name settings are kept under: lower case, Docker Hub's aliases folded into "docker.io". */
export function registryKey (host: string): string {
  const h = host.toLowerCase()
  return DOCKER_HUB_ALIASES.includes(h) ? DOCKER_HUB_HOST : h
}

/** Map a host and repository to the API host and repository name requests use. Pure. */
export function originEndpoint (host: string, repo: string): Endpoint {
  checkHost(host)
  checkRepo(host, repo)
  const key = registryKey(host)
  if (key === DOCKER_HUB_HOST) {
    return { key, apiHost: DOCKER_HUB_REGISTRY, repo: repo.includes('/') ? repo : `library/${repo}` }
  }
  return { key, apiHost: key, repo }
}

/** The host part of "host[:port]", without IPv6 brackets. */
export function hostname (host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'))
  const colon = host.lastIndexOf(':')
  return colon === -1 ? host : host.slice(0, colon)
}

/** 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost (host: string): boolean {
  const name = hostname(host).toLowerCase()
  if (name === 'localhost') return true
  if (isIPv4(name)) return name.startsWith('127.')
  // Any spelling of ::1 (0:0:0:0:0:0:0:1, ...): URL normalises it.
  if (isIPv6(name)) return new URL(`http://[${name}]`).hostname === '[::1]'
  return false
}

export function defaultScheme (host: string): 'http' | 'https' {
  return isLoopbackHost(host) ? 'http' : 'https'
}

export function isValidHost (host: string): boolean {
  const m = host.length <= 260 ? HOST_RE.exec(host) : null
  return m != null && (m[1] === undefined || Number(m[1]) <= 65535)
}

export function isDigest (ref: string): boolean {
  return DIGEST_RE.test(ref)
}

export function checkHost (host: string): void {
  if (!isValidHost(host)) throw new InvalidOriginRequestError(`invalid registry host ${JSON.stringify(host.slice(0, 300))}: expected host[:port]`, host.slice(0, 300))
}

export function checkRepo (host: string, repo: string): void {
  if (repo.length > MAX_REPO_BYTES || !REPO_RE.test(repo)) {
    throw new InvalidOriginRequestError(`invalid repository name ${JSON.stringify(repo.slice(0, 300))}`, host)
  }
}

/** A tag or a sha256/sha512 digest. */
export function checkReference (host: string, ref: string): void {
  if (!TAG_RE.test(ref) && !isDigest(ref)) {
    throw new InvalidOriginRequestError(`invalid reference ${JSON.stringify(ref.slice(0, 200))}: expected a tag or sha256:<64 hex digits>`, host)
  }
}

export function checkDigest (host: string, digest: string): void {
  if (!isDigest(digest)) {
    throw new InvalidOriginRequestError(`invalid digest ${JSON.stringify(digest.slice(0, 200))}: expected sha256:<64 hex digits>`, host)
  }
}
