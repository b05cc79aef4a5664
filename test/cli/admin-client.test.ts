import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import type { DaemonApi } from '../../src/daemon/api.js'
import { AdminClient, parseAdminTarget } from '../../src/cli/index.js'
import { FakeDaemon, sha256Digest } from '../admin/fake-daemon.js'
import { startAdmin } from '../admin/helpers.js'

const BIN = fileURLToPath(new URL('../../bin/shoal.js', import.meta.url))

async function collect (source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of source) chunks.push(Buffer.from(c))
  return Buffer.concat(chunks)
}

async function * chunksOf (bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.subarray(i, i + size)
}

/**
 * What any DaemonApi must do for the CLI, run against the in-memory fake and
 * against the AdminClient talking to an admin server over that fake: the
 * client must be indistinguishable, errors included.
 */
function apiSuite (name: string, make: (t: Test) => Promise<DaemonApi>): void {
  t.test(`DaemonApi behaviour: ${name}`, async t => {
    const api = await make(t)
    const bytes = Buffer.from(Array.from({ length: 4321 }, (_, i) => (i * 7) % 256))
    const added = await api.add(chunksOf(bytes, 1000), {})
    t.equal(added.digest, sha256Digest(bytes))
    t.equal(added.sizeBytes, 4321)
    t.same(await collect(api.read(added.digest, {})), bytes)
    t.same(await collect(api.read(added.digest, { offset: 1000, length: 1500 })), bytes.subarray(1000, 2500))
    t.same(await collect(api.read(added.digest, { offset: 4000 })), bytes.subarray(4000))
    t.same((await api.blobs()).map(b => b.digest), [added.digest])
    t.equal((await api.fetch(added.digest, {})).bytesBySource.local, 4321)
    t.equal((await api.status()).store.blobs, 1)

    const missing = 'sha256:' + 'cd'.repeat(32)
    await t.rejects(collect(api.read(missing, {})), { name: 'BlobNotFoundError', message: `blob ${missing} has no shard index in the store` })
    await t.rejects(api.fetch(missing, {}), { name: 'FetchFailedError' })
    await t.rejects(api.shards({ layer: missing }), { name: 'BlobNotFoundError' })
    await t.rejects(api.add(chunksOf(Buffer.from('x'), 1), { expectedDigest: missing }), { name: 'BlobDigestMismatchError' })
    await t.rejects(collect(api.read(added.digest, { offset: 4000, length: 1000 })), { name: 'InvalidRangeError', message: `range offset=4000 length=1000 is outside blob ${added.digest} of 4321 bytes` })
    await t.rejects(collect(api.read(added.digest, { offset: 5000, length: 1 })), { name: 'InvalidRangeError', message: `range offset=5000 length=1 is outside blob ${added.digest} of 4321 bytes` })
  })
}

apiSuite('in-memory fake', async () => new FakeDaemon())
apiSuite('AdminClient over a unix socket', async t => new AdminClient((await startAdmin(t)).address))
apiSuite('AdminClient over loopback TCP', async t => new AdminClient((await startAdmin(t, { listen: '127.0.0.1:0' })).address))

t.test('remote errors keep name, message and status', async t => {
  const { address } = await startAdmin(t)
  const client = new AdminClient(address)
  const err = await client.fetch('sha256:' + 'ef'.repeat(32)).catch((e: unknown) => e) as Error & { status: number }
  t.equal(err.name, 'FetchFailedError')
  t.equal(err.status, 502)
  t.ok(err instanceof Error)
})

t.test('an upload refused up front never sends its body', async t => {
  const { fake, address } = await startAdmin(t)
  const client = new AdminClient(address)
  let pulled = 0
  async function * source (): AsyncGenerator<Uint8Array> {
    pulled++
    yield Buffer.alloc(1024)
  }
  await t.rejects(client.add(source(), { expectedDigest: 'md5:abc' }), { name: 'InvalidDigestError' })
  t.equal(pulled, 0, 'the server answered before 100 Continue')
  t.equal(fake.calls.filter(c => c === 'add').length, 0)
  t.equal((await client.status()).peerId, (await fake.status()).peerId, 'the client still works')
})

t.test('an upload the daemon fails half-way reports the daemon\'s error', async t => {
  const { fake, address } = await startAdmin(t)
  fake.capacityBytes = 64 * 1024
  const client = new AdminClient(address)
  await t.rejects(client.add(chunksOf(Buffer.alloc(4 * 1024 * 1024, 9), 64 * 1024)), { name: 'StoreFullError' })
  t.equal((await client.status()).store.blobs, 0)
})

t.test('admin targets', async t => {
  t.same(parseAdminTarget('/run/shoal/admin.sock'), { socketPath: '/run/shoal/admin.sock' })
  t.same(parseAdminTarget('admin.sock'), { socketPath: 'admin.sock' })
  t.same(parseAdminTarget('127.0.0.1:5051'), { host: '127.0.0.1', port: 5051 })
  t.same(parseAdminTarget('[::1]:5051'), { host: '::1', port: 5051 })
  t.same(parseAdminTarget('http://localhost:5051'), { host: 'localhost', port: 5051 })
  t.same(parseAdminTarget('http://[::1]:5051/'), { host: '::1', port: 5051 })
  t.throws(() => parseAdminTarget('https://127.0.0.1:5051'), { name: 'InvalidAdminTargetError' })
  t.throws(() => parseAdminTarget('http://127.0.0.1:5051/v1'), { name: 'InvalidAdminTargetError' })
  t.throws(() => parseAdminTarget(''), { name: 'InvalidAdminTargetError' })
})

t.test('bin/shoal.js runs the built CLI', async t => {
  const { address } = await startAdmin(t)
  const run = promisify(execFile)
  const { stdout } = await run(process.execPath, [BIN, '--admin', address, 'status', '--json'], { env: { ...process.env, SHOAL_ADMIN: '' } })
  t.match(JSON.parse(stdout), { region: 'eu-west' })
  const failed = await run(process.execPath, [BIN, 'frobnicate']).catch((e: unknown) => e) as { code: number, stderr: string }
  t.equal(failed.code, 2)
  t.match(failed.stderr, /unknown command/)
})

t.test('a query the daemon never answers times out with an error naming the daemon', async t => {
  const { createServer } = await import('node:http')
  const hung = createServer(() => { /* never answers */ })
  await new Promise<void>(resolve => hung.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { hung.closeAllConnections(); hung.close() })
  const port = (hung.address() as import('node:net').AddressInfo).port
  const client = new AdminClient(`127.0.0.1:${port}`, { queryTimeoutMs: 200 })
  const started = performance.now()
  await t.rejects(client.status(), { name: 'AdminTimeoutError', message: new RegExp(`127.0.0.1:${port} did not answer GET /v1/status within 0.2 s`) })
  t.ok(performance.now() - started < 5000, 'promptly')
})
