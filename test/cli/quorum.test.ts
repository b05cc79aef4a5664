import t from 'tap'
import { AdminClient } from '../../src/cli/index.js'
import { formatQuorumStatus, formatTargets } from '../../src/cli/quorum.js'
import type { QuorumStatus } from '../../src/quorum/api.js'
import { startAdmin } from '../admin/helpers.js'
import { FAKE_AT_MS, QuorumFakeDaemon } from '../admin/quorum-fake.js'
import { runCli } from './helpers.js'

const A = 'sha256:' + '0123456789abcdef'.repeat(4)
const B = 'sha256:' + 'fedcba9876543210'.repeat(4)
const SELF = '12D3KooWSelfSelfSelfSelfSelfSelfSelfSelfSelf111111'
const OTHER = '12D3KooWOtherOtherOtherOtherOtherOtherOther2222222'

t.test('the status: fields, then one line per member with its lag', async t => {
  const s: QuorumStatus = {
    id: SELF,
    seed: true,
    role: 'leader',
    term: 4,
    leader: SELF,
    commitIndex: 12,
    appliedIndex: 11,
    members: [
      { id: SELF, region: 'eu-west', matchIndex: 12, lag: 0, connected: true },
      { id: OTHER, matchIndex: 9, lag: 3, connected: false }
    ]
  }
  t.equal(formatQuorumStatus(s), [
    `id             ${SELF}`,
    'role           leader',
    `leader         ${SELF}`,
    'term           4',
    'commit index   12',
    'applied index  11',
    '',
    'MEMBER                              REGION   ROLE      CONNECTED  MATCH  LAG',
    '12D3KooWSelf…111111 (self)  eu-west  leader    yes           12    0',
    '12D3KooWOthe…222222         -        follower  no             9    3',
    ''
  ].join('\n').replace('MEMBER                              ', 'MEMBER                      '))
  const follower = formatQuorumStatus({ ...s, role: 'observer', seed: false, leader: undefined, members: [{ id: OTHER, connected: true }] })
  t.match(follower, /role +observer \(not a seed: it asks the seeds\)/)
  t.match(follower, /leader +none known/)
  t.match(follower, /match and lag are known on the leader/)
  t.equal(formatTargets([{ digest: A, region: 'eu-west', replicas: 3, reason: 'hot', updatedAt: FAKE_AT_MS }]), [
    'LAYER                                                                    REGION   REPLICAS  UPDATED               REASON',
    `${A}  eu-west         3  2024-05-01T12:00:00Z  hot`,
    ''
  ].join('\n'))
})

t.test('set, targets, clear and status through a daemon, as tables and as JSON', async t => {
  const fake = new QuorumFakeDaemon()
  const { address } = await startAdmin(t, {}, fake)
  const set = await runCli(['--admin', address, 'quorum', 'set', A, 'eu-west', '3', '--reason', 'launch day'])
  t.equal(set.code, 0, set.stderr)
  t.equal(set.stdout, `${A} in eu-west: 3 replicas (committed at log index 1)\n`)
  const json = await runCli(['--admin', address, 'quorum', 'set', B, 'us-east', '1', '--json'])
  t.same(JSON.parse(json.stdout), { index: 2, status: 'applied' })
  t.equal(fake.quorum.calls[1], `set ${B} us-east 1 operator override`, 'without --reason the target says an operator set it')

  const table = await runCli(['--admin', address, 'quorum', 'targets'])
  t.equal(table.code, 0, table.stderr)
  t.equal(table.stdout, formatTargets(await fake.quorum.targets()))
  t.equal(table.stderr, '')
  const filtered = await runCli(['--admin', address, 'quorum', 'targets', '--region', 'us-east', '--json'])
  const answer = JSON.parse(filtered.stdout) as { source: string, targets: Array<{ digest: string }> }
  t.equal(answer.source, 'quorum')
  t.same(answer.targets.map(r => r.digest), [B])
  t.ok(fake.quorum.calls.includes('targets - us-east'))
  await runCli(['--admin', address, 'quorum', 'targets', '--layer', A])
  t.ok(fake.quorum.calls.includes(`targets ${A} -`))

  const cleared = await runCli(['--admin', address, 'quorum', 'clear', A, 'eu-west'])
  t.equal(cleared.code, 0, cleared.stderr)
  t.equal(cleared.stdout, `${A} in eu-west: target cleared (committed at log index 3)\n`)
  t.equal((await runCli(['--admin', address, 'quorum', 'targets', '--layer', A])).stdout, 'no replica targets\n')

  const status = await runCli(['--admin', address, 'quorum', 'status'])
  t.equal(status.code, 0, status.stderr)
  t.equal(status.stdout, formatQuorumStatus(await fake.quorum.status()))
  const statusJson = await runCli(['--admin', address, 'quorum', 'status', '--json'])
  t.match(JSON.parse(statusJson.stdout), { role: 'leader', commitIndex: 3, members: [{ lag: 0 }, { lag: 1 }] })
})

t.test('no seed answers: writes fail with the reason, reads give the gossip table and say so', async t => {
  const fake = new QuorumFakeDaemon()
  const { address } = await startAdmin(t, {}, fake)
  fake.quorum.unavailable = 'no leader: 1 of 3 seeds reachable, need 2'
  const set = await runCli(['--admin', address, 'quorum', 'set', A, 'eu-west', '3'])
  t.equal(set.code, 1)
  t.equal(set.stderr, 'shoal: QuorumUnavailableError: no leader: 1 of 3 seeds reachable, need 2\n')

  fake.quorum.heard = [{ digest: A, region: 'eu-west', replicas: 2, reason: 'heard', updatedAt: FAKE_AT_MS }]
  fake.quorum.heardIndex = 9
  const read = await runCli(['--admin', address, 'quorum', 'targets'])
  t.equal(read.code, 0)
  t.equal(read.stdout, formatTargets(fake.quorum.heard))
  t.match(read.stderr, /no seed answered \(no leader: 1 of 3 seeds reachable, need 2\); these are the targets this daemon heard on gossip \(up to log index 9, last heard 2024-05-01T12:00:00Z\), perhaps stale/)
  const json = JSON.parse((await runCli(['--admin', address, 'quorum', 'targets', '--json'])).stdout) as { source: string }
  t.equal(json.source, 'gossip', '--json says where the table came from')

  const client = new AdminClient(address).quorum
  await t.rejects(client.targets(), { name: 'QuorumUnavailableError', message: /1 of 3 seeds/ }, 'AdminClient.quorum.targets keeps its contract: linearizable, or an error')
  t.equal((await client.targetsOrHeard()).source, 'gossip')
})

t.test('a bad command line is refused with the usage', async t => {
  const cases: Array<[string[], RegExp]> = [
    [['quorum'], /quorum needs a subcommand: status, targets, set or clear/],
    [['quorum', 'elect'], /unknown quorum subcommand "elect"/],
    [['quorum', 'status', 'now'], /quorum status takes no arguments/],
    [['quorum', 'status', '--layer', A], /quorum status does not take --layer/],
    [['quorum', 'targets', A], /quorum targets takes no arguments \(filter with --layer and --region\)/],
    [['quorum', 'targets', '--layer', 'abc'], /--layer must be a layer digest/],
    [['quorum', 'set', A, 'eu-west'], /quorum set takes DIGEST REGION N/],
    [['quorum', 'set', 'sha256:12', 'eu-west', '3'], /DIGEST must be a layer digest/],
    [['quorum', 'set', A, 'eu-west', '1001'], /N must be a whole number from 0 to 1000, got "1001"/],
    [['quorum', 'set', A, 'eu-west', '-1'], /unknown option|N must be/],
    [['quorum', 'set', A, 'eu-west', '2.5'], /N must be a whole number/],
    [['quorum', 'set', A, 'eu-west', '2', '--reason', 'x'.repeat(257)], /--reason takes at most 256/],
    [['quorum', 'clear', A], /quorum clear takes DIGEST REGION/],
    [['quorum', 'clear', A, 'eu', '--reason', 'x'], /quorum clear does not take --reason/]
  ]
  for (const [args, message] of cases) {
    const r = await runCli(['--admin', '/nonexistent/admin.sock', ...args])
    t.equal(r.code, 2, args.join(' '))
    t.match(r.stderr, message)
    t.match(r.stderr, /usage: shoal quorum status/)
  }
  const help = await runCli(['quorum', '--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /shoal quorum set DIGEST REGION N \[--reason TEXT\]/)
  t.match((await runCli(['--help'])).stdout, /quorum +quorum status\|targets\|set\|clear/, 'listed among the commands')
  const down = await runCli(['--admin', '/nonexistent/admin.sock', 'quorum', 'status'])
  t.equal(down.code, 1)
  t.match(down.stderr, /DaemonUnreachableError/)
})
