import { readFileSync } from 'node:fs'
import t from 'tap'
import * as constants from '../../../src/registry/origin/constants.js'
import { defaultScheme, isLoopbackHost, originEndpoint, registryKey } from '../../../src/registry/origin/endpoint.js'
import { InvalidOriginRequestError, OriginUnavailableError } from '../../../src/registry/origin/errors.js'
import { manifestMediaType, mediaTypeOf } from '../../../src/registry/origin/manifest.js'
import { sessionUrl } from '../../../src/registry/origin/push.js'
import { parseContentRange } from '../../../src/registry/origin/range.js'
import { nextLink } from '../../../src/registry/origin/referrers.js'
import { backoffMs, parseRetryAfter, withRetries } from '../../../src/registry/origin/retry.js'
import { TokenCache, usableMs } from '../../../src/registry/origin/token-cache.js'
import { parseChallenges } from '../../../src/registry/origin/www-authenticate.js'

t.test('docker.io maps to registry-1.docker.io, and its single-segment repositories get library/', async t => {
  t.same(originEndpoint('docker.io', 'alpine'), { key: 'docker.io', apiHost: 'registry-1.docker.io', repo: 'library/alpine' })
  t.same(originEndpoint('docker.io', 'library/alpine'), { key: 'docker.io', apiHost: 'registry-1.docker.io', repo: 'library/alpine' })
  t.same(originEndpoint('index.docker.io', 'grafana/grafana'), { key: 'docker.io', apiHost: 'registry-1.docker.io', repo: 'grafana/grafana' })
  t.same(originEndpoint('registry-1.docker.io', 'nginx'), { key: 'docker.io', apiHost: 'registry-1.docker.io', repo: 'library/nginx' })
  t.same(originEndpoint('ghcr.io', 'alpine'), { key: 'ghcr.io', apiHost: 'ghcr.io', repo: 'alpine' }, 'other hosts are left alone')
  t.same(originEndpoint('Quay.IO:443', 'a/b'), { key: 'quay.io:443', apiHost: 'quay.io:443', repo: 'a/b' })
  t.equal(registryKey('INDEX.DOCKER.IO'), 'docker.io')
  t.throws(() => originEndpoint('bad host/x', 'alpine'), InvalidOriginRequestError)
  t.throws(() => originEndpoint('ghcr.io', '../etc'), InvalidOriginRequestError)
  t.throws(() => originEndpoint('ghcr.io', 'Upper'), InvalidOriginRequestError)
  t.throws(() => originEndpoint('ghcr.io:99999', 'a'), InvalidOriginRequestError)
})

t.test('loopback hosts default to http, everything else to https', async t => {
  for (const h of ['127.0.0.1:5000', '127.9.8.7', 'localhost:5000', 'LOCALHOST', '[::1]:5000']) {
    t.ok(isLoopbackHost(h), h)
    t.equal(defaultScheme(h), 'http', h)
  }
  for (const h of ['10.0.0.1:5000', 'registry.local', 'ghcr.io', '[::2]:5000', 'localhost.example.com', '128.0.0.1']) {
    t.notOk(isLoopbackHost(h), h)
    t.equal(defaultScheme(h), 'https', h)
  }
})

t.test('WWW-Authenticate: quoted values with commas, several challenges, token68', async t => {
  t.same(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull,push"'), [
    { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull,push' } }
  ])
  t.same(parseChallenges('Basic realm="a, \\"quoted\\" realm", charset="UTF-8", Bearer realm=https://x/token , scope=s'), [
    { scheme: 'basic', params: { realm: 'a, "quoted" realm', charset: 'UTF-8' } },
    { scheme: 'bearer', params: { realm: 'https://x/token', scope: 's' } }
  ])
  t.same(parseChallenges('Negotiate, NTLM dGVzdA==, basic REALM=x'), [
    { scheme: 'negotiate', params: {} },
    { scheme: 'ntlm', params: { token68: 'dGVzdA==' } },
    { scheme: 'basic', params: { realm: 'x' } }
  ])
  t.same(parseChallenges(''), [])
  t.same(parseChallenges('  ,, '), [])
})

t.test('backoff grows exponentially with jitter and stops at the cap', async t => {
  t.equal(backoffMs(0, () => 0), constants.RETRY_BASE_MS / 2)
  t.equal(backoffMs(0, () => 1), constants.RETRY_BASE_MS)
  t.equal(backoffMs(2, () => 1), constants.RETRY_BASE_MS * 4)
  t.equal(backoffMs(30, () => 1), constants.RETRY_CAP_MS)
  t.equal(backoffMs(30, () => 0), constants.RETRY_CAP_MS / 2)
})

t.test('Retry-After: seconds or an HTTP date', async t => {
  t.equal(parseRetryAfter('3'), 3000)
  t.equal(parseRetryAfter(' 0 '), 0)
  t.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4000), 6000)
  t.equal(parseRetryAfter(new Date(1000).toUTCString(), 4000), 0, 'a date in the past means now')
  t.equal(parseRetryAfter('soon'), undefined)
  t.equal(parseRetryAfter(undefined), undefined)
})

t.test('withRetries retries only transient unavailability, and honours Retry-After within the cap', async t => {
  let calls = 0
  const ok = await withRetries(async () => {
    if (++calls < 3) throw new OriginUnavailableError('down', 'h', { retryAfterMs: 1 })
    return 'ok'
  }, { retries: 2 })
  t.equal(ok, 'ok')
  t.equal(calls, 3)

  calls = 0
  await t.rejects(withRetries(async () => { calls++; throw new Error('other') }, { retries: 5 }), { message: 'other' })
  t.equal(calls, 1, 'other errors are not retried')

  calls = 0
  await t.rejects(withRetries(async () => { calls++; throw new OriginUnavailableError('bad cert', 'h', { transient: false }) }, { retries: 5 }), { message: 'bad cert' })
  t.equal(calls, 1, 'a failure a retry cannot mend is not retried')

  calls = 0
  await t.rejects(withRetries(async () => { calls++; throw new OriginUnavailableError('busy', 'h', { retryAfterMs: 60_000 }) }, { retries: 5 }), { name: 'OriginUnavailableError', message: /retry after 60 s/ })
  t.equal(calls, 1, 'a Retry-After beyond the cap is not waited for')

  calls = 0
  await t.rejects(withRetries(async () => { calls++; throw new OriginUnavailableError('down', 'h', { retryAfterMs: 1 }) }, { retries: 2 }), { message: 'down (gave up after 3 attempts)' })
  t.equal(calls, 3)

  const controller = new AbortController()
  const started = Date.now()
  setTimeout(() => { controller.abort(new Error('stop')) }, 50)
  await t.rejects(withRetries(async () => { throw new OriginUnavailableError('down', 'h', { retryAfterMs: 1500 }) }, { retries: 2, signal: controller.signal }), { message: 'stop' })
  t.ok(Date.now() - started < 1000, 'an abort ends the wait')
})

t.test('tokens are kept until a margin before they expire', async t => {
  t.equal(usableMs(undefined), constants.TOKEN_DEFAULT_TTL_MS - constants.TOKEN_EXPIRY_MARGIN_MS)
  t.equal(usableMs(300), 300_000 - constants.TOKEN_EXPIRY_MARGIN_MS)
  t.equal(usableMs(4), 2000, 'a short-lived token is used for half its life')
  t.equal(usableMs(1e9), constants.TOKEN_MAX_TTL_MS - constants.TOKEN_EXPIRY_MARGIN_MS)
  t.equal(usableMs('300'), constants.TOKEN_DEFAULT_TTL_MS - constants.TOKEN_EXPIRY_MARGIN_MS)
  let now = 0
  const cache = new TokenCache(() => now, 2)
  cache.set('h', 'pull', 's1', 'a', 100)
  cache.set('h', 'pull', 's2', 'b', 100)
  t.equal(cache.get('h', 'pull', 's1'), 'a')
  t.equal(cache.get('h', 'push', 's1'), undefined, 'a token fetched for a pull is not one for a push, whatever its scope')
  cache.set('h', 'pull', 's3', 'c', 100)
  t.equal(cache.get('h', 'pull', 's2'), undefined, 'the least recently used goes first')
  now = 100_000 - constants.TOKEN_EXPIRY_MARGIN_MS
  t.equal(cache.get('h', 'pull', 's1'), undefined, 'expired')
  t.equal(cache.get('h', 'pull', 's3'), undefined)
})

t.test('Content-Range and media types', async t => {
  t.same(parseContentRange('bytes 0-9/100'), { start: 0, end: 9, total: 100 })
  t.same(parseContentRange('bytes 5-5/*'), { start: 5, end: 5 })
  t.equal(parseContentRange('bytes 9-0/100'), undefined)
  t.equal(parseContentRange('bytes 0-100/100'), undefined)
  t.equal(parseContentRange('items 0-1/2'), undefined)
  t.equal(mediaTypeOf('application/vnd.oci.image.index.v1+json; charset=utf-8'), 'application/vnd.oci.image.index.v1+json')
  t.equal(mediaTypeOf('garbage'), undefined)
  const json = new TextEncoder().encode('{"mediaType":"application/vnd.oci.image.manifest.v1+json"}')
  t.equal(manifestMediaType(undefined, json, 'h', 'm'), 'application/vnd.oci.image.manifest.v1+json')
  t.equal(manifestMediaType('application/json', json, 'h', 'm'), 'application/vnd.oci.image.manifest.v1+json', 'a generic type gives way to the field')
  t.equal(manifestMediaType('application/json', new TextEncoder().encode('{}'), 'h', 'm'), 'application/json')
  t.throws(() => manifestMediaType(undefined, new TextEncoder().encode('{}'), 'h', 'm'), { name: 'OriginProtocolError' })
})

t.test('the defaults documented in index.ts are the constants', async t => {
  const UNIT: Record<string, number> = { '': 1, KiB: 1024, MiB: 1024 * 1024, ms: 1, s: 1000, min: 60_000 }
  const source = readFileSync(new URL('../../../src/registry/origin/index.ts', import.meta.url), 'utf8')
  const documented = [...source.matchAll(/@default ([A-Z_]+) \((\d+)(?: ?([A-Za-z]+))?\)/g)]
  t.equal(documented.length, 2, 'timeoutMs and retries document their defaults')
  for (const [, name = '', value = '', unit = ''] of documented) {
    t.equal((constants as Record<string, unknown>)[name], Number(value) * (UNIT[unit] ?? NaN), `${name} = ${value} ${unit}`)
  }
  t.equal(constants.ORIGIN_TIMEOUT_MS, 30_000)
  t.equal(constants.ORIGIN_RETRIES, 2)
  t.equal(constants.MAX_TOKEN_RESPONSE_BYTES, 64 * 1024)
})

t.test('upload session URLs: the Location resolved, its query kept as it is, digest= added', async t => {
  const base = new URL('https://r.example/v2/app/blobs/uploads/')
  const d = `sha256:${'a'.repeat(64)}`
  const what = { host: 'r.example', what: 'the upload' }
  t.equal(sessionUrl('/v2/app/blobs/uploads/u1', base, d, what).href, `https://r.example/v2/app/blobs/uploads/u1?digest=sha256%3A${'a'.repeat(64)}`)
  t.equal(sessionUrl('u2?_state=a%2Bb%20c==&x=1#frag', base, d, what).href, `https://r.example/v2/app/blobs/uploads/u2?_state=a%2Bb%20c==&x=1&digest=sha256%3A${'a'.repeat(64)}`, 'relative to the POST, query untouched, no fragment')
  t.equal(sessionUrl('http://other.example:5000/up?s=1', base, d, what).origin, 'http://other.example:5000')
  t.throws(() => sessionUrl('ftp://r.example/x', base, d, what), { name: 'OriginProtocolError' })
  t.throws(() => sessionUrl('http://[bad', base, d, what), { name: 'OriginProtocolError' })
})

t.test('Link headers: the rel="next" one, resolved against the page', async t => {
  const base = new URL('https://r.example/v2/app/referrers/sha256:0?artifactType=x')
  const what = { host: 'r.example', what: 'the referrers' }
  t.equal(nextLink(undefined, base, what), undefined)
  t.equal(nextLink('</v2/app/referrers/sha256:0?n=2>; rel="next"', base, what)?.href, 'https://r.example/v2/app/referrers/sha256:0?n=2')
  t.equal(nextLink('<https://r.example/prev>; rel="prev", <https://r.example/next?a=1,2>; rel=next', base, what)?.href, 'https://r.example/next?a=1,2')
  t.equal(nextLink('<https://r.example/x>; rel="nextish"', base, what), undefined)
  t.throws(() => nextLink('<javascript:alert(1)>; rel="next"', base, what), { name: 'OriginProtocolError' })
})
