import t from 'tap'
import { OriginSettingsTable } from '../../../src/registry/origin/settings.js'
import { OriginClient, ORIGIN_RETRIES, ORIGIN_TIMEOUT_MS, type OriginClientInit } from '../../../src/registry/origin/index.js'
import { quietLogger } from './helpers.js'

t.test('settings resolve with defaults; docker.io aliases and auths URL keys fold together', async t => {
  const table = new OriginSettingsTable({
    origins: { 'index.docker.io': { username: 'u', password: 'p', retries: 0 }, 'localhost:5000': { scheme: 'https', timeoutMs: 5000 } },
    auths: { 'https://ghcr.io/v1/': { auth: Buffer.from('gh:tok:en').toString('base64') }, 'quay.io': { identitytoken: 'x' } as never }
  })
  t.same(table.get('docker.io'), { scheme: 'https', timeoutMs: ORIGIN_TIMEOUT_MS, retries: 0, credentials: { username: 'u', password: 'p' } })
  t.same(table.get('localhost:5000'), { scheme: 'https', timeoutMs: 5000, retries: ORIGIN_RETRIES })
  t.same(table.get('ghcr.io'), { scheme: 'https', timeoutMs: ORIGIN_TIMEOUT_MS, retries: ORIGIN_RETRIES, credentials: { username: 'gh', password: 'tok:en' } })
  t.same(table.get('quay.io'), { scheme: 'https', timeoutMs: ORIGIN_TIMEOUT_MS, retries: ORIGIN_RETRIES }, 'an auths entry without credentials is skipped')
  t.same(table.get('127.0.0.1:5000'), { scheme: 'http', timeoutMs: ORIGIN_TIMEOUT_MS, retries: ORIGIN_RETRIES }, 'loopback defaults to http')
})

t.test('wrong options are refused when the client is built, with the fix in the message', async t => {
  const cases: Array<[unknown, RegExp]> = [
    [{ origin: {} }, /unknown origin client option "origin": the options are origins, auths/],
    [{ origins: { 'ghcr.io': { schema: 'https' } } }, /unknown setting "schema"; the settings are scheme, caFile/],
    [{ origins: { 'ghcr.io': { scheme: 'ftp' } } }, /scheme must be "http" or "https"/],
    [{ origins: { 'ghcr.io': { username: 'u' } } }, /set both username and password/],
    [{ origins: { 'ghcr.io': { timeoutMs: 0 } } }, /timeoutMs must be a whole number/],
    [{ origins: { 'ghcr.io': { retries: 11 } } }, /retries must be a whole number from 0 to 10/],
    [{ origins: { 'ghcr.io/x': {} } }, /is not a registry host; write it as host\[:port\]/],
    [{ origins: { 'docker.io': {}, 'index.docker.io': {} } }, /names the same registry as another entry \(docker\.io\)/],
    [{ origins: { '127.0.0.1:5000': { caFile: '/x.pem' } } }, /caFile is set but the host is reached over plain http; add scheme: "https"/],
    [{ auths: { 'ghcr.io': { auth: 'not base64!' } } }, /auth is not base64/],
    [{ auths: { 'ghcr.io': { auth: Buffer.from('nocolon').toString('base64') } } }, /no colon/],
    [{ origins: { 'ghcr.io': { username: 'a\nb', password: 'p' } } }, /username must be/]
  ]
  for (const [init, message] of cases) {
    t.throws(() => new OriginClient(init as OriginClientInit, { logger: quietLogger }), { name: 'InvalidOriginOptionError', message }, JSON.stringify(init))
  }
})
