import t from 'tap'
import { QUORUM_ERROR_STATUS } from '../../src/admin/quorum-routes.js'
import { MAX_BATCH_WRITES, MAX_REPLICAS } from '../../src/quorum/targets/constants.js'
import { FakeDaemon } from './fake-daemon.js'
import { call, errorName, startAdmin, type Answer } from './helpers.js'
import { QuorumFakeDaemon } from './quorum-fake.js'

const A = 'sha256:' + 'a'.repeat(64)
const B = 'sha256:' + 'b'.repeat(64)

async function post (address: string, path: string, body: unknown): Promise<Answer> {
  return await call(address, 'POST', path, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

function message (a: Answer): string {
  return (a.json() as { error: { message: string } }).error.message
}

t.test('set, read back, clear: the writes reach the quorum and the reads say where they came from', async t => {
  const fake = new QuorumFakeDaemon()
  const { address } = await startAdmin(t, {}, fake)
  const set = await post(address, '/v1/quorum/set', { digest: A, region: 'eu-west', replicas: 3, reason: 'hot layer', requestId: 'r-1' })
  t.equal(set.status, 200, set.body.toString())
  t.same(set.json(), { index: 1, status: 'applied' })
  const again = await post(address, '/v1/quorum/set', { digest: A, region: 'eu-west', replicas: 3, reason: 'hot layer', requestId: 'r-1' })
  t.same(again.json(), { index: 2, status: 'duplicate' }, 'a retry with the same request id is applied once')
  t.equal((await post(address, '/v1/quorum/set', { digest: B, region: 'us-east', replicas: 0 })).status, 200, 'reason and request id are optional')

  const all = await call(address, 'GET', '/v1/quorum/targets')
  t.equal(all.status, 200)
  const answer = all.json() as { source: string, targets: Array<{ digest: string, region: string, replicas: number, reason: string }> }
  t.equal(answer.source, 'quorum')
  t.same(answer.targets.map(r => [r.digest, r.region, r.replicas, r.reason]), [[A, 'eu-west', 3, 'hot layer'], [B, 'us-east', 0, 'operator override']], 'the default reason names an operator')
  const one = (await call(address, 'GET', `/v1/quorum/targets?layer=${B}&region=us-east`)).json() as { targets: unknown[] }
  t.equal(one.targets.length, 1)
  t.match(fake.quorum.calls, [`set ${A} eu-west 3 hot layer`, `set ${A} eu-west 3 hot layer`, `set ${B} us-east 0 operator override`, 'targets - -', `targets ${B} us-east`])

  const cleared = await post(address, '/v1/quorum/clear', { digest: A, region: 'eu-west' })
  t.equal(cleared.status, 200)
  const batch = await post(address, '/v1/quorum/batch', { writes: [{ op: 'set', digest: A, region: 'ap-south', replicas: 2 }, { op: 'clear', digest: B, region: 'us-east' }] })
  t.equal(batch.status, 200, batch.body.toString())
  const after = (await call(address, 'GET', '/v1/quorum/targets')).json() as { targets: Array<{ region: string }> }
  t.same(after.targets.map(r => r.region), ['ap-south'], 'the clear and the batch are applied')

  const status = await call(address, 'GET', '/v1/quorum/status')
  t.equal(status.status, 200)
  t.match(status.json(), { role: 'leader', term: 3, members: [{ lag: 0 }, { lag: 1 }] })
})

t.test('bad input is a 400 that names the field', async t => {
  const fake = new QuorumFakeDaemon()
  const { address } = await startAdmin(t, {}, fake)
  const cases: Array<[unknown, string, RegExp]> = [
    [{ digest: 'sha256:abc', region: 'eu', replicas: 1 }, 'InvalidDigestError', /digest must be a sha256 digest/],
    [{ digest: A, region: 'eu west', replicas: 1 }, 'InvalidRequestError', /region must be 1 to 64/],
    [{ digest: A, region: 'eu', replicas: MAX_REPLICAS + 1 }, 'InvalidRequestError', /replicas must be an integer from 0 to 1000/],
    [{ digest: A, region: 'eu', replicas: 1.5 }, 'InvalidRequestError', /replicas/],
    [{ digest: A, region: 'eu', replicas: '2' }, 'InvalidRequestError', /replicas/],
    [{ digest: A, region: 'eu' }, 'InvalidRequestError', /replicas/],
    [{ digest: A, region: 'eu', replicas: 1, reason: 'x'.repeat(257) }, 'InvalidRequestError', /reason must be a string of at most 256/],
    [{ digest: A, region: 'eu', replicas: 1, requestId: '' }, 'InvalidRequestError', /requestId/],
    [{ digest: A, region: 'eu', replicas: 1, replica: 2 }, 'InvalidRequestError', /unknown field "replica"/],
    [[A], 'InvalidRequestError', /body must be a JSON object/]
  ]
  for (const [body, name, text] of cases) {
    const a = await post(address, '/v1/quorum/set', body)
    t.equal(a.status, 400, JSON.stringify(body))
    t.equal(errorName(a), name)
    t.match(message(a), text)
  }
  const tooMany = await post(address, '/v1/quorum/batch', { writes: Array.from({ length: MAX_BATCH_WRITES + 1 }, () => ({ op: 'clear', digest: A, region: 'eu' })) })
  t.equal(tooMany.status, 400)
  t.match(message(tooMany), /writes must be a list of 1 to 256/)
  const badOp = await post(address, '/v1/quorum/batch', { writes: [{ op: 'move', digest: A, region: 'eu' }] })
  t.match(message(badOp), /writes\[0\]\.op must be "set" or "clear"/)
  const q = await call(address, 'GET', '/v1/quorum/targets?layer=nope')
  t.equal(q.status, 400)
  t.equal(errorName(q), 'InvalidDigestError')
  t.equal((await call(address, 'GET', '/v1/quorum/targets?regoin=eu')).status, 400, 'an unknown parameter is refused')
  t.equal((await call(address, 'POST', '/v1/quorum/set', { body: '{}' })).status, 415, 'a body needs its content type')
  t.same(fake.quorum.calls, [], 'nothing bad reached the quorum')
})

t.test('a quorum that cannot answer is a 503 saying what is missing; reads fall back to what was heard', async t => {
  const fake = new QuorumFakeDaemon()
  const { address } = await startAdmin(t, {}, fake)
  fake.quorum.unavailable = 'no leader: 1 of 3 seeds reachable, need 2'
  const set = await post(address, '/v1/quorum/set', { digest: A, region: 'eu', replicas: 1 })
  t.equal(set.status, 503)
  t.equal(errorName(set), 'QuorumUnavailableError')
  t.equal(message(set), 'no leader: 1 of 3 seeds reachable, need 2')
  t.equal(set.headers['retry-after'], '1')
  t.equal((await call(address, 'GET', '/v1/quorum/status')).status, 503)

  fake.quorum.heard = [{ digest: A, region: 'eu', replicas: 2, reason: 'heard', updatedAt: 5 }]
  fake.quorum.heardIndex = 7
  const read = await call(address, 'GET', '/v1/quorum/targets')
  t.equal(read.status, 200)
  t.match(read.json(), { source: 'gossip', unavailable: /1 of 3 seeds/, heardIndex: 7, targets: [{ digest: A, replicas: 2 }] })
})

t.test('a daemon without a quorum says so: 404 with the fix', async t => {
  const { address } = await startAdmin(t, {}, new FakeDaemon())
  for (const [method, path] of [['GET', '/v1/quorum/status'], ['GET', '/v1/quorum/targets']] as const) {
    const a = await call(address, method, path)
    t.equal(a.status, 404)
    t.equal(errorName(a), 'QuorumDisabledError')
    t.match(message(a), /names no seeds by peer id.*--quorum off/)
  }
  t.equal((await post(address, '/v1/quorum/clear', { digest: A, region: 'eu' })).status, 404)
})

t.test('the statuses of the quorum errors', async t => {
  t.same(QUORUM_ERROR_STATUS, {
    QuorumDisabledError: 404,
    QuorumUnavailableError: 503,
    QuorumBusyError: 503,
    QuorumStoppedError: 503,
    NotLeaderError: 503,
    RaftBusyError: 503,
    QuorumProtocolError: 502,
    QuorumRemoteError: 502,
    InvalidTargetCommandError: 400,
    EntryTooLargeError: 400,
    QuorumAnswerTooLargeError: 400,
    QuorumWriteRejectedError: 409
  })
})
