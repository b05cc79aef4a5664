import t from 'tap'
import { formatPriority } from '../../src/cli/priority.js'
import { startAdmin } from '../admin/helpers.js'
import { FakeDaemon } from '../admin/fake-daemon.js'
import { fakeRound, L1, L2, L3, PriorityFakeDaemon } from '../predict/service/priority-fake.js'
import { runCli } from './helpers.js'

t.test('the table: a line on the round, then digest, priority, the three scores, demand and where cached', async t => {
  t.equal(formatPriority(fakeRound()), [
    'eu-west, round of 2024-05-01T12:00:00Z: 3 layers scored, 2 peers heard; weights usage 0.6, threat -0.25, proximity 0.4',
    'LAYER                                                                    PRIORITY  USAGE  THREAT  PROXIMITY  DEMAND  CACHED IN',
    `${L1}     0.900   1.00    0.00       0.75     120  eu-west`,
    `${L2}     0.412   0.60    0.20       0.25     8.3  -`,
    `${L3}     0.100   0.30    0.00       0.00     2.0  eu-west,us-east`,
    ''
  ].join('\n'))
  t.equal(formatPriority({ ...fakeRound(), computedAt: null, layers: [] }), 'no priority round yet in eu-west: the first runs soon after the daemon starts\n')
  t.match(formatPriority({ ...fakeRound(), layers: [] }, 'ap-south'), /\nno layers with predicted demand in ap-south\n$/)
})

t.test('shoal priority through a daemon, as a table and as JSON, with --region and --top', async t => {
  const fake = new PriorityFakeDaemon()
  const { address } = await startAdmin(t, {}, fake)
  const table = await runCli(['--admin', address, 'priority'])
  t.equal(table.code, 0, table.stderr)
  t.equal(table.stdout, formatPriority(fakeRound()))
  const json = await runCli(['--admin', address, 'priority', '--region', 'eu-west', '--top', '1', '--json'])
  t.equal(json.code, 0, json.stderr)
  const round = JSON.parse(json.stdout) as ReturnType<typeof fakeRound>
  t.same(round.layers.map(l => l.digest), [L1])
  t.same(round.layers[0]?.demandByRegion, { 'ap-south': 100, 'eu-west': 20.4 }, 'JSON has the demand per region')
  t.same(fake.priority.calls, ['round - -', 'round eu-west 1'])
})

t.test('bad command lines are usage errors; a daemon without priority says so', async t => {
  const fake = new PriorityFakeDaemon()
  const { address } = await startAdmin(t, {}, fake)
  for (const args of [['--top', '0'], ['--top', 'ten'], ['--top', '5000'], ['extra'], ['--regoin', 'x']]) {
    const r = await runCli(['--admin', address, 'priority', ...args])
    t.equal(r.code, 2, args.join(' '))
    t.match(r.stderr, /^shoal: /)
    t.match(r.stderr, /usage: shoal priority/)
  }
  t.same(fake.priority.calls, [])
  const bad = await runCli(['--admin', address, 'priority', '--region', 'a b'])
  t.equal(bad.code, 1)
  t.match(bad.stderr, /^shoal: InvalidRequestError: region must be/)
  const off = await startAdmin(t, {}, new FakeDaemon())
  const r = await runCli(['--admin', off.address, 'priority'])
  t.equal(r.code, 1)
  t.match(r.stderr, /^shoal: PriorityDisabledError: this daemon scores no layer priorities: it runs with --priority off\n$/)
  const help = await runCli(['priority', '--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /--top N +the first N layers, 1 to 4096 \(default 20\)/)
})
