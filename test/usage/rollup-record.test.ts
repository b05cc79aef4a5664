import t from 'tap'
import { USAGE_MAX_TIME_MS } from '../../src/usage/constants.js'
import { EVENT_KEYS_END, usageKey } from '../../src/usage/record.js'
import {
  ROLLUP_KEYS_END, ROLLUP_KEYS_START, ROLLUP_STATE_KEY, bucketStartMs, decodeCounts, decodeState, encodeCounts, parseRollupKey,
  rollupKey, rollupTimeKey, rollupWidthRange, type RollupId
} from '../../src/usage/rollup-record.js'

const HOUR_MS = 3_600_000

t.test('keys: every event sorts before every roll-up, and a window of buckets is one key range', async t => {
  t.ok(usageKey(USAGE_MAX_TIME_MS, 2 ** 40) < EVENT_KEYS_END && EVENT_KEYS_END < ROLLUP_KEYS_START)
  t.ok(ROLLUP_STATE_KEY > ROLLUP_KEYS_START && ROLLUP_STATE_KEY < ROLLUP_KEYS_END)
  const id = (bucketStartMs: number, digest = 'sha256:a', region = 'eu'): RollupId => ({ bucket: 'hour', bucketStartMs, kind: 'blob', digest, region })
  const keys = [id(2 * HOUR_MS), id(HOUR_MS, 'sha256:z'), id(16 * HOUR_MS), id(HOUR_MS, 'sha256:a', 'zz/zz'), id(3 * HOUR_MS)].map(rollupKey)
  const sorted = [...keys].sort()
  t.same(sorted.map(k => parseRollupKey(k)?.bucketStartMs), [1, 1, 2, 3, 16].map(h => h * HOUR_MS), 'keys sort by bucket start')
  const inWindow = sorted.filter(k => k >= rollupTimeKey('hour', 2 * HOUR_MS) && k < rollupTimeKey('hour', 16 * HOUR_MS))
  t.same(inWindow.map(k => parseRollupKey(k)?.bucketStartMs), [2 * HOUR_MS, 3 * HOUR_MS], '[from, to) is one range')
  const minutes = rollupWidthRange('minute')
  const inMinutes = (k: string): boolean => k >= minutes.gte && k < minutes.lt
  t.ok(inMinutes(rollupKey({ ...id(USAGE_MAX_TIME_MS - (USAGE_MAX_TIME_MS % HOUR_MS)), bucket: 'minute' })) && !keys.some(inMinutes), 'widths do not interleave')
})

t.test('digests and regions with "/" and "%" survive the key', async t => {
  for (const [digest, region] of [['sha256:a/b', '%2F'], ['%', '/'], ['a%25b', 'x%2Fy/z'], ['-', '-']]) {
    const id: RollupId = { bucket: 'minute', bucketStartMs: 120_000, kind: 'manifest', digest: digest ?? '', region: region ?? '' }
    t.same(parseRollupKey(rollupKey(id)), id, `${digest} ${region}`)
  }
  for (const bad of ['rollup/hour/000000000001/blob/a/b', 'rollup/day/000000000000/blob/a/b', 'rollup/hour/000000000000/blob/a/b/c', 'rollup/hour/000000000000/blob/a%2/b', 'rollup/hour/000000000000/index/a/b', ROLLUP_STATE_KEY]) {
    t.equal(parseRollupKey(bad), undefined, bad)
  }
})

t.test('buckets, counts and state', async t => {
  t.equal(bucketStartMs('hour', HOUR_MS - 1), 0)
  t.equal(bucketStartMs('hour', HOUR_MS), HOUR_MS)
  t.equal(bucketStartMs('minute', 61_000.5), 60_000)
  const c = { requests: 2, bytes: 30, bytesBySource: { local: 10, peer: 15, origin: 5 } }
  t.same(decodeCounts(encodeCounts(c)), c)
  for (const bad of ['[0,1,1,0,0]', '[1,1,1,0]', '[1,-1,0,0,0]', '[1,1.5,0,0,0]', 'x', '{}']) t.equal(decodeCounts(bad), undefined, bad)
  t.same(decodeState('{"version":1,"events":3,"maxSeq":9,"damaged":false}'), { version: 1, events: 3, maxSeq: 9, damaged: false })
  for (const bad of [undefined, 'null', '{"version":1,"events":3,"maxSeq":9}', '{"version":1,"events":-3,"maxSeq":9,"damaged":false}']) t.equal(decodeState(bad), undefined, String(bad))
})
