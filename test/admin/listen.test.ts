import { execFileSync } from 'node:child_process'
import { existsSync, lstatSync, writeFileSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { createAdminServer, isLoopbackHost, parseListen } from '../../src/admin/index.js'
import { FakeDaemon } from './fake-daemon.js'
import { call, errorName, shortTempDir, startAdmin } from './helpers.js'

t.test('only loopback hosts may be listened on', async t => {
  for (const ok of ['127.0.0.1:0', '127.1.2.3:5051', 'localhost:5051', 'LOCALHOST:1', '[::1]:5051']) {
    t.doesNotThrow(() => parseListen(ok), ok)
  }
  t.same(parseListen('[::1]:7'), { host: '::1', port: 7 })
  for (const bad of ['0.0.0.0:5051', '192.168.1.10:5051', '10.0.0.1:80', '[::]:5051', '[::ffff:10.0.0.1]:1', 'example.com:80', '128.0.0.1:1', '127.0.0.1.evil.com:1']) {
    t.throws(() => createAdminServer(new FakeDaemon(), { listen: bad }), { name: 'AdminListenError', message: /loopback only/ }, bad)
  }
  for (const malformed of ['127.0.0.1', ':5051', '127.0.0.1:99999', '127.0.0.1:port', '::1:5051', 'http://127.0.0.1:1']) {
    t.throws(() => createAdminServer(new FakeDaemon(), { listen: malformed }), { name: 'AdminListenError' }, malformed)
  }
  t.ok(isLoopbackHost('127.255.255.255'))
  t.notOk(isLoopbackHost('0.0.0.0'))
})

t.test('options are checked when the server is built', async t => {
  const api = new FakeDaemon()
  t.throws(() => createAdminServer(api, {}), { name: 'InvalidAdminOptionError', message: /exactly one of socketPath/ })
  t.throws(() => createAdminServer(api, { socketPath: '/tmp/x.sock', listen: '127.0.0.1:0' }), { name: 'InvalidAdminOptionError' })
  t.throws(() => createAdminServer(api, { socketPath: '/tmp/x.sock', port: 5 } as never), { name: 'InvalidAdminOptionError', message: /unknown admin server option "port"/ })
  t.throws(() => createAdminServer(api, { socketPath: '/tmp/x.sock', maxConcurrentRequests: 0 }), { name: 'InvalidAdminOptionError', message: /maxConcurrentRequests/ })
  t.throws(() => createAdminServer(api, { socketPath: '/tmp/x.sock', requestTimeoutMs: Number.NaN }), { name: 'InvalidAdminOptionError' })
})

t.test('loopback TCP: address, requests, Host check', async t => {
  const { address } = await startAdmin(t, { listen: '127.0.0.1:0' })
  t.match(address, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.not(address, 'http://127.0.0.1:0', 'the real port once listening')
  const ok = await call(address, 'GET', '/v1/status')
  t.equal(ok.status, 200)
  const local = await call(address, 'GET', '/v1/status', { headers: { host: 'localhost:1234' } })
  t.equal(local.status, 200)
  const rebound = await call(address, 'GET', '/v1/status', { headers: { host: 'evil.example:80' } })
  t.equal(rebound.status, 403, 'a DNS-rebinding page is refused')
  t.equal(errorName(rebound), 'ForbiddenHostError')
})

t.test('IPv6 loopback', async t => {
  const server = createAdminServer(new FakeDaemon(), { listen: '[::1]:0' })
  try {
    await server.start()
  } catch (err) {
    t.pass(`skipped: no IPv6 loopback here: ${(err as Error).message}`)
    return
  }
  t.teardown(async () => { await server.stop() })
  t.match(server.address(), /^http:\/\/\[::1\]:\d+$/)
})

t.test('start and stop are idempotent; stop removes the socket', async t => {
  const dir = await shortTempDir(t)
  const socketPath = join(dir, 'sub', 'admin.sock')
  const server = createAdminServer(new FakeDaemon(), { socketPath })
  t.equal(server.address(), socketPath)
  await server.stop()
  await Promise.all([server.start(), server.start()])
  await server.start()
  t.ok(lstatSync(socketPath).isSocket(), 'listening, its directory created')
  t.equal((await call(socketPath, 'GET', '/v1/status')).status, 200)
  await Promise.all([server.stop(), server.stop()])
  await server.stop()
  t.notOk(existsSync(socketPath), 'socket removed')
  await server.start()
  t.equal((await call(socketPath, 'GET', '/v1/status')).status, 200, 'can start again')
  await server.stop()
})

t.test('a stale socket is replaced, a live one or another file is not', async t => {
  const dir = await shortTempDir(t)
  const socketPath = join(dir, 'admin.sock')
  // A daemon that died without cleaning up: its socket file stays.
  try {
    execFileSync(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, 'SIGKILL'))`], { stdio: 'ignore' })
  } catch (err) {
    t.equal((err as { signal?: string }).signal, 'SIGKILL', 'the process died without cleaning up')
  }
  t.ok(lstatSync(socketPath).isSocket(), 'stale socket left behind')
  const server = createAdminServer(new FakeDaemon(), { socketPath })
  await server.start()
  t.equal((await call(socketPath, 'GET', '/v1/status')).status, 200)

  const second = createAdminServer(new FakeDaemon(), { socketPath })
  await t.rejects(second.start(), { name: 'AdminAddressInUseError' })
  t.equal((await call(socketPath, 'GET', '/v1/status')).status, 200, 'the live server keeps its socket')
  await server.stop()

  const filePath = join(dir, 'not-a-socket')
  writeFileSync(filePath, 'precious')
  const third = createAdminServer(new FakeDaemon(), { socketPath: filePath })
  await t.rejects(third.start(), { name: 'AdminListenError', message: /not a socket/ })
  t.equal(readFileSync(filePath, 'utf8'), 'precious', 'left alone')

  const long = createAdminServer(new FakeDaemon(), { socketPath: join(dir, 'x'.repeat(120)) })
  await t.rejects(long.start(), { name: 'AdminListenError', message: /shorter --admin path/ })
})

t.test('a TCP port in use fails start with the system error', async t => {
  const blocker = createServer()
  await new Promise<void>(resolve => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { blocker.close() })
  const port = (blocker.address() as { port: number }).port
  const server = createAdminServer(new FakeDaemon(), { listen: `127.0.0.1:${port}` })
  await t.rejects(server.start(), { code: 'EADDRINUSE' })
  await server.stop()
})
