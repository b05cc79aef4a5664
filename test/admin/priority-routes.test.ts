import t from 'tap'
import { PRIORITY_ERROR_STATUS } from '../../src/admin/priority-routes.js'
import type { PriorityRound } from '../../src/daemon/api.js'
import { FakeDaemon } from './fake-daemon.js'
import { call, errorName, startAdmin } from './helpers.js'
import { L1, L2, PriorityFakeDaemon } from '../predict/service/priority-fake.js'

t.test('GET /v1/priority: the last round, filtered by region and cut at top', async t => {
  const fake = new PriorityFakeDaemon()
  const { address } = await startAdmin(t, {}, fake)
  const all = await call(address, 'GET', '/v1/priority')
  t.equal(all.status, 200, all.body.toString())
  const round = all.json() as PriorityRound
  t.equal(round.computedAt, fake.priority.last.computedAt)
  t.equal(round.layers.length, 3)
  t.match(round.layers[0], { digest: L1, priority: 0.9, usage: 1, threat: 0, proximity: 0.75, demand: 120.4, reason: 'r1', cachedRegions: ['eu-west'] })
  const some = (await call(address, 'GET', '/v1/priority?region=eu-west&top=5')).json() as PriorityRound
  t.same(some.layers.map(l => l.digest), [L1, L2])
  const one = (await call(address, 'GET', '/v1/priority?top=1')).json() as PriorityRound
  t.equal(one.layers.length, 1)
  t.same(fake.priority.calls, ['round - -', 'round eu-west 5', 'round - 1'])
})

t.test('bad queries are 400s that name the parameter; a daemon with --priority off answers 404', async t => {
  const fake = new PriorityFakeDaemon()
  const { address } = await startAdmin(t, {}, fake)
  const cases: Array<[string, string, RegExp]> = [
    ['/v1/priority?top=0', 'InvalidRequestError', /top must be the number of layers, an integer from 1 to 4096/],
    ['/v1/priority?top=5000', 'InvalidRequestError', /top must be/],
    ['/v1/priority?top=1e3', 'InvalidRequestError', /top must be/],
    ['/v1/priority?region=eu%20west', 'InvalidRequestError', /region must be 1 to 64/],
    ['/v1/priority?regoin=eu', 'InvalidRequestError', /unknown query parameter "regoin"; this route takes region, top/],
    ['/v1/priority?top=1&top=2', 'InvalidRequestError', /given twice/]
  ]
  for (const [path, name, message] of cases) {
    const a = await call(address, 'GET', path)
    t.equal(a.status, 400, path)
    t.equal(errorName(a), name)
    t.match((a.json() as { error: { message: string } }).error.message, message)
  }
  t.same(fake.priority.calls, [], 'nothing bad reached the service')
  t.equal((await call(address, 'POST', '/v1/priority')).status, 405)

  const off = await startAdmin(t, {}, new FakeDaemon())
  const disabled = await call(off.address, 'GET', '/v1/priority')
  t.equal(disabled.status, 404)
  t.equal(errorName(disabled), 'PriorityDisabledError')
  t.match((disabled.json() as { error: { message: string } }).error.message, /--priority off/)
  t.equal(PRIORITY_ERROR_STATUS.InvalidPriorityQueryError, 400, 'the service\'s own query error is a 400 too')
})
