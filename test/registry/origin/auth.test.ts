import t from 'tap'
import { OriginUnauthorizedError } from '../../../src/registry/origin/index.js'
import { OCI_MANIFEST, captureLogger, manifestOf, spawn } from './helpers.js'

const MANIFEST = manifestOf(`sha256:${'0'.repeat(64)}`, 0)
const b64 = (s: string): string => Buffer.from(s).toString('base64')

t.test('bearer: a 401 challenge, a token, the request again; the token is cached and sent up front', async t => {
  const { registry, client, teardown } = await spawn({ auth: 'bearer' })
  t.teardown(teardown)
  const digest = registry.addManifest('team/app', 'v1', MANIFEST, OCI_MANIFEST)
  registry.addManifest('team/other', 'v1', MANIFEST, OCI_MANIFEST)

  t.equal((await client.getManifest(registry.host, 'team/app', 'v1')).digest, digest)
  t.equal(registry.tokenRequests, 1)
  const [first, tokenReq, retried] = registry.requests
  t.equal(first?.authorization, undefined, 'anonymous first')
  const token = new URL(tokenReq?.url ?? '', 'http://x')
  t.equal(token.pathname, '/token')
  t.equal(token.searchParams.get('service'), 'fake,registry', 'a quoted value with a comma')
  t.equal(token.searchParams.get('scope'), 'repository:team/app:pull')
  t.equal(tokenReq?.authorization, undefined, 'no credentials configured: an anonymous token')
  t.match(retried?.authorization, /^Bearer [0-9a-f]{32}$/)

  await client.headManifest(registry.host, 'team/app', 'v1')
  await client.getManifest(registry.host, 'team/app', digest)
  t.equal(registry.tokenRequests, 1, 'the token endpoint is not asked again')
  t.equal(registry.requests.length, 5, 'and the registry sees no more 401 round trips')
  t.ok(registry.requests.slice(3).every(r => r.authorization === retried?.authorization))

  await client.getManifest(registry.host, 'team/other', 'v1')
  t.equal(registry.tokenRequests, 2, 'another repository is another scope')
})

t.test('bearer: concurrent requests share one token fetch', async t => {
  const { registry, client, teardown } = await spawn({ auth: 'bearer', accessTokenField: true })
  t.teardown(teardown)
  registry.addManifest('app', 'v1', MANIFEST, OCI_MANIFEST)
  const results = await Promise.all(Array.from({ length: 6 }, async () => await client.getManifest(registry.host, 'app', 'v1')))
  t.equal(results.length, 6)
  t.equal(registry.tokenRequests, 1, 'one token (read from access_token) for all of them')
})

t.test('bearer: an expired token is renewed before it is refused, a revoked one after', async t => {
  const { registry, client, teardown } = await spawn({ auth: 'bearer', tokenExpiresInS: 1 })
  t.teardown(teardown)
  registry.addManifest('app', 'v1', MANIFEST, OCI_MANIFEST)
  await client.getManifest(registry.host, 'app', 'v1')
  t.equal(registry.tokenRequests, 1)
  await new Promise(resolve => setTimeout(resolve, 600))
  const before = registry.apiRequests.length
  await client.getManifest(registry.host, 'app', 'v1')
  t.equal(registry.tokenRequests, 2, 'a token past half its 1 s life is renewed')
  t.equal(registry.apiRequests.length, before + 1, 'without a 401 first')

  registry.revokeTokens()
  await client.getManifest(registry.host, 'app', 'v1')
  t.equal(registry.tokenRequests, 3, 'a refused cached token is replaced once')
})

t.test('bearer with credentials: the token endpoint gets them; wrong ones are OriginUnauthorizedError', async t => {
  const { logger, lines } = captureLogger()
  const { registry, client, teardown } = await spawn({ auth: 'bearer', users: { bob: 'hunter2-secret' } }, host => ({
    origins: { [host]: { username: 'bob', password: 'hunter2-secret' } }
  }), logger)
  t.teardown(teardown)
  registry.addManifest('app', 'v1', MANIFEST, OCI_MANIFEST)
  await client.getManifest(registry.host, 'app', 'v1')
  const tokenReq = registry.requests.find(r => r.url.startsWith('/token'))
  t.equal(tokenReq?.authorization, `Basic ${b64('bob:hunter2-secret')}`)
  const token = registry.requests.at(-1)?.authorization?.slice('Bearer '.length) ?? ''
  t.ok(token.length > 0)
  t.ok(lines.length > 0, 'something was logged')
  for (const secret of ['hunter2-secret', b64('bob:hunter2-secret'), token]) {
    t.notOk(lines.some(l => l.includes(secret)), 'no secret in the logs')
  }

  const wrong = await spawn({ auth: 'bearer', users: { bob: 'right' } }, host => ({ origins: { [host]: { username: 'bob', password: 'wrong-password' } } }))
  t.teardown(wrong.teardown)
  wrong.registry.addManifest('app', 'v1', MANIFEST, OCI_MANIFEST)
  const err = await wrong.client.getManifest(wrong.registry.host, 'app', 'v1').catch((e: unknown) => e)
  t.ok(err instanceof OriginUnauthorizedError)
  t.match(err, { name: 'OriginUnauthorizedError', host: wrong.registry.host, credentialsConfigured: true, status: 401 })
  t.match((err as Error).message, new RegExp(`origin ${wrong.registry.host} refused .* with the credentials configured for it`))
  t.notMatch((err as Error).message, /wrong-password/)
  t.equal(wrong.registry.tokenRequests, 1, 'not retried')

  const none = await spawn({ auth: 'bearer', users: { bob: 'right' } })
  t.teardown(none.teardown)
  await t.rejects(none.client.getManifest(none.registry.host, 'app', 'v1'), {
    name: 'OriginUnauthorizedError',
    credentialsConfigured: false,
    message: new RegExp(`origin ${none.registry.host} refused .*anonymously: no credentials are configured for ${none.registry.host}`)
  })
})

t.test('basic: credentials from origins, from auths (base64 and username/password), origins first', async t => {
  const users = { carol: 'pa:ss word' }
  const fromOrigins = await spawn({ auth: 'basic', users }, host => ({ origins: { [host]: { username: 'carol', password: 'pa:ss word' } } }))
  t.teardown(fromOrigins.teardown)
  fromOrigins.registry.addManifest('app', 'v1', MANIFEST, OCI_MANIFEST)
  await fromOrigins.client.getManifest(fromOrigins.registry.host, 'app', 'v1')
  await fromOrigins.client.getManifest(fromOrigins.registry.host, 'app', 'v1')
  t.same(fromOrigins.registry.requests.map(r => r.authorization?.split(' ')[0]), [undefined, 'Basic', 'Basic'], 'after the first challenge the credentials go at once')

  const fromAuths = await spawn({ auth: 'basic', users }, host => ({ auths: { [`https://${host}/v1/`]: { auth: b64('carol:pa:ss word') } } }))
  t.teardown(fromAuths.teardown)
  fromAuths.registry.addManifest('app', 'v1', MANIFEST, OCI_MANIFEST)
  t.equal((await fromAuths.client.getManifest(fromAuths.registry.host, 'app', 'v1')).mediaType, OCI_MANIFEST)

  const plain = await spawn({ auth: 'basic', users }, host => ({ auths: { [host]: { username: 'carol', password: 'pa:ss word' } } }))
  t.teardown(plain.teardown)
  plain.registry.addManifest('app', 'v1', MANIFEST, OCI_MANIFEST)
  t.equal((await plain.client.getManifest(plain.registry.host, 'app', 'v1')).mediaType, OCI_MANIFEST)

  const both = await spawn({ auth: 'basic', users }, host => ({
    origins: { [host]: { username: 'carol', password: 'pa:ss word' } },
    auths: { [host]: { auth: b64('carol:stale') } }
  }))
  t.teardown(both.teardown)
  both.registry.addManifest('app', 'v1', MANIFEST, OCI_MANIFEST)
  t.equal((await both.client.getManifest(both.registry.host, 'app', 'v1')).mediaType, OCI_MANIFEST, 'origins wins over auths')
})

t.test('basic: wrong credentials and no credentials are OriginUnauthorizedError', async t => {
  const wrong = await spawn({ auth: 'basic', users: { carol: 'right' } }, host => ({ auths: { [host]: { auth: b64('carol:wrong') } } }))
  t.teardown(wrong.teardown)
  wrong.registry.addManifest('app', 'v1', MANIFEST, OCI_MANIFEST)
  await t.rejects(wrong.client.getBlob(wrong.registry.host, 'app', `sha256:${'1'.repeat(64)}`), {
    name: 'OriginUnauthorizedError', credentialsConfigured: true, message: /with the credentials configured/
  })
  t.equal(wrong.registry.requests.length, 2, 'one challenge, one try with the credentials')

  const none = await spawn({ auth: 'basic', users: { carol: 'right' } })
  t.teardown(none.teardown)
  await t.rejects(none.client.headManifest(none.registry.host, 'app', 'v1'), {
    name: 'OriginUnauthorizedError', credentialsConfigured: false, message: /no credentials are configured/
  })
  t.equal(none.registry.requests.length, 1, 'nothing to retry with')
})

t.test('a token response larger than MAX_TOKEN_RESPONSE_BYTES is OriginProtocolError', async t => {
  const { registry, client, teardown } = await spawn({ auth: 'bearer', tokenPaddingBytes: 64 * 1024 })
  t.teardown(teardown)
  registry.addManifest('app', 'v1', MANIFEST, OCI_MANIFEST)
  await t.rejects(client.getManifest(registry.host, 'app', 'v1'), { name: 'OriginProtocolError', message: /token response is .*more than the 65536/ })
  t.equal(registry.tokenRequests, 1, 'not retried')
})
