import t from 'tap'
import { traceWorkload, type HostSpec } from '../../../sim/workload/index.js'

const HOSTS: HostSpec[] = [
  { name: 'eu-0', region: 'eu' }, { name: 'eu-1', region: 'eu' },
  { name: 'us-0', region: 'us' }, { name: 'us-1', region: 'us' }
]

t.test('rows become one-blob pulls at ts - first ts, images grouped by repo; other columns ignored', async t => {
  const csv = [
    'status,ts_ms,Client,blob,bytes,repo,region',
    'ok,1000500,alice,sha-a,5000,team/web,eu',
    'ok,1000000,bob,sha-b,9000,team/web,us',
    'ok,1000200,carol,sha-a,6000,team/api,eu',
    'ok,1000900,"dave, jr",sha-c,100,,',
    'ok,1000300,alice,sha-b,9000,team/web,eu'
  ].join('\r\n') + '\r\n'
  const plan = traceWorkload(csv, { hosts: HOSTS, seed: 1 })
  t.equal(plan.kind, 'trace')
  t.same(plan.pulls.map(p => [p.atMs, p.hostName, p.image, p.layers]), [
    [0, 'us-0', 'team/web:latest', ['sha-b']],
    [200, 'eu-0', 'team/api:latest', ['sha-a']],
    [300, 'eu-1', 'team/web:latest', ['sha-b']],
    [500, 'eu-1', 'team/web:latest', ['sha-a']],
    [900, 'eu-0', 'trace/blobs:latest', ['sha-c']]
  ], 'clients take hosts in the order they first appear in time: bob, carol, alice; dave (no region) the first of all')
  t.same(plan.images.map(i => [i.name, i.layers.map(l => [l.id, l.sizeBytes])]), [
    ['team/web', [['sha-b', 9000], ['sha-a', 6000]]],
    ['team/api', [['sha-a', 6000]]],
    ['trace/blobs', [['sha-c', 4096]]]
  ], 'a blob is as big as its biggest row; at least 4 KiB')
  t.equal(plan.images[0]!.layers[1]!.seed, plan.images[1]!.layers[0]!.seed, 'a blob in two repos is one layer')
  t.equal(plan.uniqueBytes, 9000 + 6000 + 4096)
  t.equal(plan.durationMs, 900)
  t.same(plan.trace, {
    columns: ['status', 'ts_ms', 'client', 'blob', 'bytes', 'repo', 'region'],
    rows: 5,
    skippedRows: 0,
    errors: [],
    startTsMs: 1_000_000,
    scale: 1,
    clients: 4,
    clientsWithoutHostRegion: 1
  })
})

t.test('clients map onto hosts of their region round-robin, in order of first appearance', async t => {
  const lines = ['ts_ms,client,blob,bytes,region']
  for (let i = 0; i < 6; i++) lines.push(`${i},eu-client-${i},b${i},10,eu`)
  for (let i = 0; i < 3; i++) lines.push(`${10 + i},us-client-${i},b${i},10,us`)
  lines.push('20,eu-client-0,b9,10,eu')
  lines.push('21,far-client,b9,10,mars')
  const plan = traceWorkload(lines.join('\n'), { hosts: HOSTS })
  const hostOf = new Map(plan.pulls.map(p => [p.layers![0] + '@' + p.atMs, p.hostName]))
  t.same([0, 1, 2, 3, 4, 5].map(i => hostOf.get(`b${i}@${i}`)), ['eu-0', 'eu-1', 'eu-0', 'eu-1', 'eu-0', 'eu-1'])
  t.same([0, 1, 2].map(i => hostOf.get(`b${i}@${10 + i}`)), ['us-0', 'us-1', 'us-0'])
  t.equal(hostOf.get('b9@20'), 'eu-0', 'a client keeps its host')
  t.equal(hostOf.get('b9@21'), 'eu-0', 'a region no host has: any host, round-robin over all')
  t.equal(plan.trace!.clientsWithoutHostRegion, 1)
  t.same(traceWorkload(lines.join('\n'), { hosts: HOSTS }).pulls, plan.pulls, 'deterministic')
})

t.test('malformed rows are counted, described by line, and skipped', async t => {
  const csv = [
    'ts_ms,client,blob,bytes',
    '1,a,b1,100',
    '',
    'x,a,b1,100',
    '2,,b1,100',
    '3,a,b1,-5',
    '4,a,b1,1.5',
    '5,a',
    '6,a,b2,300',
    '7,"a,b2,300'
  ].join('\n')
  const plan = traceWorkload(csv, { hosts: HOSTS })
  t.equal(plan.pulls.length, 2)
  t.equal(plan.trace!.rows, 8, 'blank lines are not rows')
  t.equal(plan.trace!.skippedRows, 6)
  t.same(plan.trace!.errors, [
    { line: 4, reason: 'ts_ms "x" is not a number' },
    { line: 5, reason: 'no client' },
    { line: 6, reason: 'bytes "-5" is not a whole number > 0' },
    { line: 7, reason: 'bytes "1.5" is not a whole number > 0' },
    { line: 8, reason: 'no blob, bytes' },
    { line: 10, reason: 'a quoted field is never closed' }
  ])
})

t.test('a trace that cannot be replayed fails with a clear error', async t => {
  t.throws(() => traceWorkload('ts_ms,client,blob\n1,a,b', { hosts: HOSTS }), {
    name: 'TraceFormatError',
    message: 'trace: missing required column bytes: the header (line 1) has "ts_ms,client,blob"; it must name ts_ms,client,blob,bytes (repo and region are optional)'
  })
  t.throws(() => traceWorkload('time,who\n1,a', { hosts: HOSTS }), { message: /missing required columns ts_ms, client, blob, bytes/ })
  t.throws(() => traceWorkload('', { hosts: HOSTS }), { name: 'TraceFormatError', message: /empty/ })
  t.throws(() => traceWorkload('ts_ms,client,blob,bytes,blob\n', { hosts: HOSTS }), { message: /names column blob twice/ })
  t.throws(() => traceWorkload('ts_ms,client,blob,bytes\nx,a,b,1\n', { hosts: HOSTS }), { name: 'TraceFormatError', message: /no usable rows \(1 malformed; line 2: ts_ms "x" is not a number\)/ })
  t.throws(() => traceWorkload('ts_ms,client,blob,bytes\n1,a,b,1\n', { hosts: [] }), { name: 'WorkloadOptionError' })
  t.throws(() => traceWorkload('ts_ms,client,blob,bytes\n1,a,b,1000000\n', { hosts: HOSTS, maxUniqueBytes: 10_000 }), { name: 'WorkloadOptionError', message: /lower scale/ })
})

t.test('scale shrinks blobs; odd repository names get a stable valid one', async t => {
  const plan = traceWorkload('ts_ms,client,blob,bytes,repo\n0,a,b,1000000,Team/Web\n1,a,c,1000000,bad name!\n', { hosts: HOSTS, scale: 0.01, minLayerBytes: 1 })
  t.same(plan.images.map(i => i.name), ['team/web', plan.images[1]!.name])
  t.match(plan.images[1]!.name, /^trace\/r-[0-9a-f]{8}$/)
  t.same(plan.images.map(i => i.layers[0]!.sizeBytes), [10_000, 10_000])
})
