import { connect } from 'node:net'
import { request } from 'node:http'
import t from 'tap'
import { errorStatus } from '../../src/admin/index.js'
import { FetchFailedError } from '../../src/exchange/errors.js'
import { BlobDigestMismatchError, StoreFullError } from '../../src/store/errors.js'
import { sha256Digest } from './fake-daemon.js'
import { call, errorName, startAdmin } from './helpers.js'

const JSON_TYPE = { 'content-type': 'application/json' }

t.test('error names map to statuses at the edge', async t => {
  t.equal(errorStatus(new StoreFullError(10, 5, 10)), 507)
  t.equal(errorStatus(new FetchFailedError('x')), 502)
  t.equal(errorStatus(Object.assign(new Error('x'), { name: 'ShardNotFoundError' })), 404)
  t.equal(errorStatus(Object.assign(new Error('x'), { name: 'InvalidDigestError' })), 400)
  t.equal(errorStatus(new BlobDigestMismatchError('a', 'b')), 400, 'on add: the caller\'s bytes are wrong')
  t.equal(errorStatus(new BlobDigestMismatchError('a', 'b'), 'fetch'), 502, 'on fetch: the swarm\'s are')
  t.equal(errorStatus(new TypeError('bug')), 500)
  t.equal(errorStatus('a string'), 500)
  t.equal(errorStatus(undefined), 500)
})

t.test('an unknown error is a 500 with its name and message', async t => {
  const { fake, address } = await startAdmin(t)
  fake.hooks.beforeStatus = async () => { throw new RangeError('oops') }
  const r = await call(address, 'GET', '/v1/status')
  t.equal(r.status, 500)
  t.same(r.json(), { error: { name: 'RangeError', message: 'oops' } })
  fake.hooks.beforeStatus = async () => { throw 'not even an error' }
  const odd = await call(address, 'GET', '/v1/status')
  t.same(odd.json(), { error: { name: 'Error', message: 'not even an error' } })
})

t.test('a client that goes away aborts the daemon call', async t => {
  const { fake, address } = await startAdmin(t)
  const digest = sha256Digest(Buffer.from('slow'))
  let entered!: () => void
  const inFetch = new Promise<void>(resolve => { entered = resolve })
  const aborted = new Promise<unknown>(resolve => {
    fake.hooks.beforeFetch = async (_digest, signal) => {
      entered()
      await new Promise<void>((_resolve, reject) => {
        signal?.addEventListener('abort', () => { resolve(signal.reason); reject(signal.reason as Error) }, { once: true })
      })
    }
  })
  const req = request({ socketPath: address, method: 'POST', path: '/v1/fetch', headers: JSON_TYPE })
  req.on('error', () => {})
  req.end(JSON.stringify({ digest }))
  await inFetch
  req.destroy()
  const reason = await aborted
  t.equal((reason as Error).name, 'AbortError')
  delete fake.hooks.beforeFetch
  t.equal((await call(address, 'GET', '/v1/status')).status, 200)
})

t.test('requests past the concurrency limit get 503', async t => {
  const { fake, address } = await startAdmin(t, { maxConcurrentRequests: 2 })
  let release!: () => void
  const gate = new Promise<void>(resolve => { release = resolve })
  let waiting = 0
  let bothIn!: () => void
  const inside = new Promise<void>(resolve => { bothIn = resolve })
  fake.hooks.beforeStatus = async () => {
    if (++waiting === 2) bothIn()
    await gate
  }
  const slow = [call(address, 'GET', '/v1/status'), call(address, 'GET', '/v1/status')]
  await inside
  const refused = await call(address, 'GET', '/v1/peers')
  t.equal(refused.status, 503)
  t.equal(errorName(refused), 'TooManyRequestsError')
  t.equal(refused.headers['retry-after'], '1')
  release()
  t.same((await Promise.all(slow)).map(r => r.status), [200, 200])
  t.equal((await call(address, 'GET', '/v1/peers')).status, 200, 'room again')
})

t.test('a request that takes too long is answered 504 and its call aborted', async t => {
  const { fake, address } = await startAdmin(t, { requestTimeoutMs: 100, fetchTimeoutMs: 150 })
  fake.hooks.beforeStatus = async () => { await new Promise(resolve => setTimeout(resolve, 5000).unref()) }
  const started = Date.now()
  const slow = await call(address, 'GET', '/v1/status')
  t.equal(slow.status, 504, 'even when the daemon ignores the signal')
  t.equal(errorName(slow), 'RequestTimeoutError')
  t.ok(Date.now() - started < 2000)

  let reason: unknown
  fake.hooks.beforeFetch = async (_d, signal) => {
    await new Promise<void>((_resolve, reject) => {
      signal?.addEventListener('abort', () => { reason = signal.reason; reject(signal.reason as Error) }, { once: true })
    })
  }
  const fetch = await call(address, 'POST', '/v1/fetch', { headers: JSON_TYPE, body: JSON.stringify({ digest: sha256Digest(Buffer.from('x')) }) })
  t.equal(fetch.status, 504)
  t.match(fetch.json(), { error: { name: 'RequestTimeoutError', message: /150 ms/ } }, 'fetch has its own limit')
  t.equal((reason as Error).name, 'RequestTimeoutError')
})

t.test('a stalled upload is cut after the idle limit', async t => {
  const { fake, address } = await startAdmin(t, { streamIdleTimeoutMs: 100 })
  const req = request({ socketPath: address, method: 'POST', path: '/v1/blobs', headers: { 'content-type': 'application/octet-stream' } })
  const closed = new Promise<string>(resolve => {
    req.on('error', err => { resolve((err as NodeJS.ErrnoException).code ?? err.message) })
    req.on('response', res => { resolve(`status ${res.statusCode ?? 0}`) })
  })
  req.write('some bytes, then nothing')
  t.match(await closed, /ECONNRESET|socket hang up|EPIPE/)
  t.same(fake.local.size, 0, 'nothing stored')
  t.equal((await call(address, 'GET', '/v1/status')).status, 200)
})

t.test('malformed HTTP does not crash the server', async t => {
  const { address } = await startAdmin(t, { headersTimeoutMs: 200 })
  const answers: string[] = []
  for (const garbage of ['GARBAGE\r\n\r\n', 'GET /v1/status HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n', '\x00\x01\x02\r\n\r\n', 'GET /v1/status HTTP/1.1\r\nHost: x\r\n']) {
    answers.push(await new Promise<string>(resolve => {
      const s = connect({ path: address })
      let text = ''
      s.on('data', (d: Buffer) => { text += d.toString() })
      s.on('close', () => { resolve(text.split('\r\n')[0] ?? '') })
      s.on('error', () => {})
      s.end(garbage)
    }))
  }
  t.match(answers[0], /^HTTP\/1\.1 400/)
  t.match(answers[1], /^HTTP\/1\.1 400/)
  t.match(answers[2], /^HTTP\/1\.1 400/)
  t.equal((await call(address, 'GET', '/v1/status')).status, 200, 'still serving')
})
