import t from 'tap'
import { OriginUnauthorizedError } from '../../../src/registry/origin/index.js'
import { sha256 } from './fake-registry.js'
import { OCI_MANIFEST, bytesOf, manifestOf, spawn } from './helpers.js'

const MANIFEST = manifestOf(`sha256:${'0'.repeat(64)}`, 0)
const b64 = (s: string): string => Buffer.from(s).toString('base64')
const scopeOf = (url: string | undefined): string[] => new URL(url ?? '', 'http://x').searchParams.getAll('scope')

t.test('bearer: a push asks for a token of the scope its own challenge names; the pull token never goes with it', async t => {
  const { registry, client, teardown } = await spawn({ auth: 'bearer' })
  t.teardown(teardown)
  registry.addManifest('team/app', 'v1', MANIFEST, OCI_MANIFEST)
  await client.getManifest(registry.host, 'team/app', 'v1')
  t.equal(registry.tokenRequests, 1)
  const pullToken = registry.requests.at(-1)?.authorization
  t.match(pullToken, /^Bearer /)

  const blob = bytesOf(100, 1)
  const before = registry.requests.length
  t.equal(await client.putBlob(registry.host, 'team/app', sha256(blob), blob), true)
  const push = registry.requests.slice(before)
  t.same(push.map(r => `${r.method} ${r.url.split('?')[0] ?? ''}`), [
    `HEAD /v2/team/app/blobs/${sha256(blob)}`,
    'POST /v2/team/app/blobs/uploads/',
    'GET /token',
    'POST /v2/team/app/blobs/uploads/',
    `PUT ${push.at(-1)?.url.split('?')[0] ?? ''}`
  ])
  t.equal(push[0]?.authorization, pullToken, 'the HEAD is a pull, and sends the pull token at once')
  t.equal(push[1]?.authorization, undefined, 'the first POST goes anonymously, for the push challenge')
  t.same(scopeOf(push[2]?.url), ['repository:team/app:pull,push'], 'the scope the push challenge named')
  const pushToken = push[3]?.authorization
  t.match(pushToken, /^Bearer /)
  t.not(pushToken, pullToken)
  t.equal(push[4]?.authorization, pushToken)

  const manifest = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/octet-stream', digest: sha256(blob), size: 100 }, layers: [] }))
  await client.putManifest(registry.host, 'team/app', 'v2', manifest, OCI_MANIFEST)
  await client.getManifest(registry.host, 'team/app', 'v2')
  t.equal(registry.tokenRequests, 2, 'both tokens cached: no more token requests')
  t.same(registry.requests.slice(-2).map(r => r.authorization), [pushToken, pullToken], 'each access its own token')
})

for (const status of [401, 403] as const) {
  t.test(`bearer: a cached token without push rights, refused with ${status}, is replaced once by a fresh challenge round`, async t => {
    const { registry, client, teardown } = await spawn({ auth: 'bearer', insufficientScopeStatus: status })
    t.teardown(teardown)
    registry.pushAllowed = false
    const blob = bytesOf(10, 2)
    const err = await client.putBlob(registry.host, 'app', sha256(blob), blob).catch((e: unknown) => e)
    t.ok(err instanceof OriginUnauthorizedError)
    t.match(err, { status, credentialsConfigured: false, message: /refused the upload of blob app@sha256:\S+ \((401|403)\) anonymously: no credentials are configured .* pushing to app needs credentials with push rights/ })
    t.equal(registry.tokenRequests, 2, 'a pull token for the HEAD, a (pull-only) one for the push')
    t.equal(registry.blobs.size, 0)

    registry.pushAllowed = true // the account got push rights
    const before = registry.requests.length
    t.equal(await client.putBlob(registry.host, 'app', sha256(blob), blob), true)
    const methods = registry.requests.slice(before).map(r => r.method)
    t.same(methods, status === 401
      ? ['HEAD', 'POST', 'GET', 'POST', 'PUT'] // the cached token, a 401 challenge, a new token
      : ['HEAD', 'POST', 'POST', 'GET', 'POST', 'PUT']) // the cached token, 403, anonymously for a challenge, a new token
    t.equal(registry.tokenRequests, 3, 'one fresh token')
    t.same(registry.blobs.get(sha256(blob)), Buffer.from(blob))
  })
}

t.test('bearer: wrong credentials, or none, are OriginUnauthorizedError that says so', async t => {
  const wrong = await spawn({ auth: 'bearer', users: { bob: 'right' } }, host => ({ origins: { [host]: { username: 'bob', password: 'wrong-password' } } }))
  t.teardown(wrong.teardown)
  const err = await wrong.client.putManifest(wrong.registry.host, 'app', 'v1', new TextEncoder().encode('{}'), OCI_MANIFEST).catch((e: unknown) => e)
  t.ok(err instanceof OriginUnauthorizedError)
  t.match(err, { status: 401, credentialsConfigured: true, message: /refused a token for repository:app:pull,push .*with the credentials configured for it: they may be wrong, or lack push rights to app/ })
  t.notMatch((err as Error).message, /wrong-password/)
  t.equal(wrong.registry.tokenRequests, 1, 'not retried')

  const blob = bytesOf(10, 4)
  await t.rejects(wrong.client.putBlob(wrong.registry.host, 'app', sha256(blob), blob), {
    name: 'OriginUnauthorizedError', message: /may be wrong, or lack push rights to app/
  }, 'also when the HEAD before the upload is what fails')
})

t.test('basic: credentials learnt by a pull go with pushes at once; wrong ones, or without push rights, are refused', async t => {
  const users = { carol: 'secret' }
  const ok = await spawn({ auth: 'basic', users }, host => ({ origins: { [host]: { username: 'carol', password: 'secret' } } }))
  t.teardown(ok.teardown)
  ok.registry.addManifest('app', 'v1', MANIFEST, OCI_MANIFEST)
  await ok.client.getManifest(ok.registry.host, 'app', 'v1')
  const blob = bytesOf(10, 5)
  const before = ok.registry.requests.length
  t.equal(await ok.client.putBlob(ok.registry.host, 'app', sha256(blob), blob), true)
  t.same(ok.registry.requests.slice(before).map(r => r.method), ['HEAD', 'POST', 'PUT'], 'no 401 round trip')
  t.ok(ok.registry.requests.slice(before).every(r => r.authorization === `Basic ${b64('carol:secret')}`))

  ok.registry.pushAllowed = false
  const other = bytesOf(10, 6)
  const n = ok.registry.requests.length
  await t.rejects(ok.client.putBlob(ok.registry.host, 'app', sha256(other), other), {
    name: 'OriginUnauthorizedError', status: 403, credentialsConfigured: true, message: /\(403\) with the credentials configured for it: they may be wrong, or lack push rights to app/
  })
  t.same(ok.registry.requests.slice(n).map(r => r.method), ['HEAD', 'POST'], 'a 403 is not retried')

  const wrong = await spawn({ auth: 'basic', users }, host => ({ auths: { [host]: { auth: b64('carol:wrong') } } }))
  t.teardown(wrong.teardown)
  await t.rejects(wrong.client.putManifest(wrong.registry.host, 'app', 'v1', new TextEncoder().encode('{}'), OCI_MANIFEST), {
    name: 'OriginUnauthorizedError', status: 401, credentialsConfigured: true, message: /push of manifest app:v1 \(401\) .*lack push rights/
  })
  t.equal(wrong.registry.requests.length, 2, 'one challenge, one try with the credentials')
})
