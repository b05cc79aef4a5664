import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { InvalidOriginOptionError, OriginClient, OriginUnavailableError } from '../../../src/registry/origin/index.js'
import { requireBinaries } from '../../utils/system.js'
import { FakeRegistry } from './fake-registry.js'
import { OCI_MANIFEST, manifestOf, quietLogger } from './helpers.js'

const run = promisify(execFile)

/** A self-signed certificate for 127.0.0.1 in `dir`. */
async function selfSigned (dir: string): Promise<{ key: Buffer, cert: Buffer, certFile: string }> {
  const keyFile = join(dir, 'key.pem')
  const certFile = join(dir, 'cert.pem')
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'])
  return { key: await readFile(keyFile), cert: await readFile(certFile), certFile }
}

t.test('HTTPS with a private CA: trusted with caFile, a clear error without it', async t => {
  if (!requireBinaries(t, ['openssl'])) return
  const dir = await mkdtemp(join(tmpdir(), 'shoal-origin-tls-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const tls = await selfSigned(dir)
  const registry = await new FakeRegistry({ tls, auth: 'bearer' }).start()
  t.teardown(async () => { await registry.stop() })
  const digest = registry.addManifest('app', 'v1', manifestOf(`sha256:${'0'.repeat(64)}`, 0), OCI_MANIFEST)

  const trusting = new OriginClient({ origins: { [registry.host]: { scheme: 'https', caFile: tls.certFile } } }, { logger: quietLogger })
  t.teardown(async () => { await trusting.close() })
  const m = await trusting.getManifest(registry.host, 'app', 'v1')
  t.equal(m.digest, digest, 'registry and token realm both reached over TLS')
  t.equal(registry.tokenRequests, 1)

  const plain = new OriginClient({ origins: { [registry.host]: { scheme: 'https' } } }, { logger: quietLogger })
  t.teardown(async () => { await plain.close() })
  const before = registry.requests.length
  const err = await plain.getManifest(registry.host, 'app', 'v1').catch((e: unknown) => e)
  t.ok(err instanceof OriginUnavailableError)
  t.match(err, {
    host: registry.host,
    transient: false,
    message: new RegExp(`origin ${registry.host}: the TLS certificate is not trusted \\(.*CERT.*\\); if the registry uses a private CA, set origins\\["${registry.host}"\\]\\.caFile`)
  })
  t.equal(registry.requests.length, before, 'the handshake failed; no request reached the registry')

  t.throws(() => new OriginClient({ origins: { [registry.host]: { scheme: 'https', caFile: join(dir, 'missing.pem') } } }, { logger: quietLogger }), {
    name: 'InvalidOriginOptionError',
    message: new RegExp(`caFile: cannot read ${join(dir, 'missing.pem').replace(/[.]/g, '\\.')}: ENOENT`)
  })
  t.throws(() => new OriginClient({ origins: { [registry.host]: { scheme: 'https', caFile: join(dir, 'key.pem') } } }, { logger: quietLogger }), InvalidOriginOptionError, 'a file without certificates')
})
