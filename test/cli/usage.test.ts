import t from 'tap'
import { AdminClient } from '../../src/cli/index.js'
import { formatUsage, parseSince, shortDigest, shortRef } from '../../src/cli/usage.js'
import type { UsageEvent } from '../../src/daemon/api.js'
import { USAGE_MAX_TIME_MS, USAGE_TAIL_MAX_LIMIT } from '../../src/usage/constants.js'
import { call, errorName, startAdmin } from '../admin/helpers.js'
import { runCli } from './helpers.js'

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0, 250)
const DIGEST_A = 'sha256:' + '0123456789abcdef'.repeat(4)
const DIGEST_B = 'sha256:' + 'fedcba9876543210'.repeat(4)

const EVENTS: UsageEvent[] = [
  {
    timeMs: T0, origin: 'docker.io', repository: 'library/alpine', reference: '3.20', digest: DIGEST_A, kind: 'manifest',
    bytes: 1_500, bytesBySource: { local: 0, peer: 0, origin: 1_500 }, durationMs: 85, client: '127.0.0.1', status: 200, region: 'eu-west'
  },
  {
    timeMs: T0 + 61_000, origin: '127.0.0.1:5000', repository: 'team/app', reference: DIGEST_A, digest: DIGEST_B, kind: 'blob',
    bytes: 3 * 1024 * 1024, bytesBySource: { local: 1024 * 1024, peer: 2 * 1024 * 1024, origin: 0 }, durationMs: 1_234, client: '127.0.0.1', status: 200
  }
]

t.test('the table: one line per event, short digests, human sizes, where the bytes came from', async t => {
  t.equal(formatUsage(EVENTS), [
    'TIME                  ORIGIN          REPOSITORY      REF                  DIGEST               KIND      STATUS    BYTES    LOCAL/PEER/ORIGIN  DURATION',
    '2024-05-01T12:00:00Z  docker.io       library/alpine  3.20                 sha256:0123456789ab  manifest     200  1.5 KiB      0 B/0 B/1.5 KiB     85 ms',
    '2024-05-01T12:01:01Z  127.0.0.1:5000  team/app        sha256:0123456789ab  sha256:fedcba987654  blob         200  3.0 MiB  1.0 MiB/2.0 MiB/0 B    1.23 s',
    ''
  ].join('\n'))
  t.equal(shortDigest(DIGEST_A), 'sha256:0123456789ab')
  t.equal(shortDigest('sha512:' + 'ab'.repeat(64)), 'sha512:abababababab')
  t.equal(shortDigest('weird'), 'weird')
  t.equal(shortRef('v1.2.3'), 'v1.2.3')
  t.equal(shortRef('a-very-long-tag-name-that-goes-on'), 'a-very-long-tag-name-th…')
  t.equal(shortRef(DIGEST_B), 'sha256:fedcba987654')
})

t.test('--since: a duration back from now, or an ISO time', async t => {
  const now = 10 * 86_400_000
  t.equal(parseSince('90s', now), now - 90_000)
  t.equal(parseSince('10m', now), now - 600_000)
  t.equal(parseSince('1h30m', now), now - 5_400_000)
  t.equal(parseSince('2d', now), now - 2 * 86_400_000)
  t.equal(parseSince('1w', now), now - 7 * 86_400_000)
  t.equal(parseSince('500ms', now), now - 500)
  t.equal(parseSince('1.5h', now), now - 5_400_000)
  t.equal(parseSince('30d', now), 0, 'not before the epoch')
  t.equal(parseSince('2024-05-01T12:00:00Z', now), Date.UTC(2024, 4, 1, 12))
  t.equal(parseSince('2024-05-01', now), Date.UTC(2024, 4, 1), 'a date is midnight UTC')
  t.equal(parseSince('2024-05-01T14:00:00+02:00', now), Date.UTC(2024, 4, 1, 12))
  for (const bad of ['10', 'yesterday', '10 m', '-5m', '2024-13-45', 'm', '']) {
    t.throws(() => parseSince(bad, now), { name: 'UsageError', message: /--since must be a duration/ }, JSON.stringify(bad))
  }
  t.throws(() => parseSince('10', now), { message: /needs a unit: 10s, 10m/ })
})

t.test('usage tail through the admin API: table, --json, --limit, --since', async t => {
  const { fake, address } = await startAdmin(t)
  const empty = await runCli(['--admin', address, 'usage', 'tail'])
  t.equal(empty.code, 0, empty.stderr)
  t.equal(empty.stdout, 'no usage events\n')
  t.ok(fake.calls.includes('usage - -'), 'no limit or since unless given')

  fake.usageEvents.push(...EVENTS)
  const table = await runCli(['usage', 'tail', '--admin', address])
  t.equal(table.code, 0, table.stderr)
  t.equal(table.stdout, formatUsage(EVENTS))

  const json = await runCli(['--admin', address, 'usage', 'tail', '--json'])
  t.same(JSON.parse(json.stdout), EVENTS, '--json is the events as they are')

  const limited = await runCli(['--admin', address, 'usage', 'tail', '--limit', '1', '--json'])
  t.same(JSON.parse(limited.stdout), [EVENTS[1]], 'the newest')
  t.ok(fake.calls.includes('usage 1 -'))

  const since = await runCli(['--admin', address, 'usage', 'tail', '--since', '2024-05-01T12:01:00Z', '--json'])
  t.same(JSON.parse(since.stdout), [EVENTS[1]])
  t.ok(fake.calls.includes(`usage - ${Date.UTC(2024, 4, 1, 12, 1)}`))

  const before = Date.now()
  await runCli(['--admin', address, 'usage', 'tail', '--since', '10m', '-n', '5'])
  const sent = fake.calls.findLast(c => c.startsWith('usage 5 '))
  const sinceMs = Number(sent?.split(' ')[2])
  t.ok(sinceMs >= before - 600_000 && sinceMs <= Date.now() - 600_000, `--since 10m is ten minutes back (${sent ?? 'none'})`)
})

t.test('usage: a bad command line is refused with the usage', async t => {
  const cases: Array<[string[], RegExp]> = [
    [['usage'], /usage needs a subcommand: tail/],
    [['usage', 'head'], /unknown usage subcommand "head"/],
    [['usage', 'tail', 'x'], /usage tail takes no arguments/],
    [['usage', 'tail', '--limit', '0'], /--limit must be a whole number from 1 to 10000, got "0"/],
    [['usage', 'tail', '--limit', String(USAGE_TAIL_MAX_LIMIT + 1)], /--limit must be/],
    [['usage', 'tail', '--limit', '1e3'], /--limit must be/],
    [['usage', 'tail', '--since', 'soon'], /--since must be a duration/]
  ]
  for (const [args, message] of cases) {
    const r = await runCli(['--admin', '/nonexistent/admin.sock', ...args])
    t.equal(r.code, 2, args.join(' '))
    t.match(r.stderr, message)
    t.match(r.stderr, /usage: shoal usage tail/)
  }
  const help = await runCli(['usage', '--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /^usage: shoal usage tail \[--limit N\] \[--since DURATION\|TIME\]/)
  t.match(help.stdout, /1 to 10000 \(default 100\)/)
  const down = await runCli(['--admin', '/nonexistent/admin.sock', 'usage', 'tail'])
  t.equal(down.code, 1)
  t.match(down.stderr, /DaemonUnreachableError/)
})

t.test('GET /v1/usage validates limit and since', async t => {
  const { fake, address } = await startAdmin(t)
  fake.usageEvents.push(...EVENTS)
  const ok = await call(address, 'GET', `/v1/usage?limit=${USAGE_TAIL_MAX_LIMIT}&since=${T0 + 1}`)
  t.equal(ok.status, 200)
  t.same(ok.json(), [EVENTS[1]])
  t.ok(fake.calls.includes(`usage ${USAGE_TAIL_MAX_LIMIT} ${T0 + 1}`), 'both reach the daemon as numbers')
  t.equal((await call(address, 'GET', '/v1/usage?since=0')).status, 200)
  t.equal((await call(address, 'GET', `/v1/usage?since=${USAGE_MAX_TIME_MS}`)).status, 200)

  const bad: Array<[string, RegExp]> = [
    ['limit=0', /limit must be the number of events, an integer from 1 to 10000, got "0"/],
    ['limit=10001', /limit must be/],
    ['limit=-1', /limit must be/],
    ['limit=1.5', /limit must be/],
    ['limit=1e3', /limit must be/],
    ['limit=', /limit must be/],
    ['limit=abc', /got "abc"/],
    ['since=-5', /since must be a time in ms since the epoch/],
    ['since=yesterday', /since must be/],
    [`since=${USAGE_MAX_TIME_MS + 1}`, /since must be/],
    ['since=99999999999999999999', /since must be/],
    ['limit=1&limit=2', /given twice/],
    ['tail=5', /unknown query parameter "tail"; this route takes limit, since/]
  ]
  const calls = fake.calls.length
  for (const [qs, message] of bad) {
    const r = await call(address, 'GET', `/v1/usage?${qs}`)
    t.equal(r.status, 400, qs)
    t.equal(errorName(r), 'InvalidRequestError')
    t.match((r.json() as { error: { message: string } }).error.message, message)
  }
  t.equal(fake.calls.length, calls, 'no bad query reaches the daemon')
  t.equal((await call(address, 'POST', '/v1/usage')).status, 405)
})

t.test('AdminClient.usage is the DaemonApi method across the socket', async t => {
  const { fake, address } = await startAdmin(t)
  fake.usageEvents.push(...EVENTS)
  const client = new AdminClient(address)
  t.same(await client.usage(), EVENTS)
  t.same(await client.usage({ limit: 1 }), await fake.usage({ limit: 1 }))
  t.same(await client.usage({ sinceMs: T0 + 1 }), [EVENTS[1]])
  await t.rejects(client.usage({ limit: 0 }), { name: 'InvalidRequestError', status: 400 })
})
