import t, { type Test } from 'tap'
import pino from 'pino'
import { createMemoryStore } from '../../../src/store/index.js'
import { MemoryThreatLookup } from '../../../src/threat/lookup.js'
import { ScanCache } from '../../../src/threat/scan/index.js'
import { ThreatGuard, parseBlockLevels, type BlockLevel } from '../../../src/threat/guard/index.js'
import { EICAR_SHA256, OPENSSL_RECORD, chunks, debianLayer, eicarLayer } from './fixtures.js'

const logger = pino({ level: 'silent' })

async function setup (t: Test, opts: { malware?: boolean, block?: BlockLevel[], queueLength?: number } = {}) {
  const store = createMemoryStore()
  await store.start()
  t.teardown(async () => { await store.stop() })
  const lookup = new MemoryThreatLookup({
    records: [OPENSSL_RECORD],
    kev: ['CVE-2023-5678'],
    malware: opts.malware === false ? [] : [{ sha256: EICAR_SHA256, signature: 'EICAR-Test-File' }]
  })
  const cache = new ScanCache()
  const guard = new ThreatGuard({ store, lookup, cache, logger, hasMalwareFeed: async () => opts.malware !== false }, {
    ...(opts.block != null ? { block: opts.block } : {}),
    ...(opts.queueLength != null ? { queueLength: opts.queueLength } : {})
  })
  await guard.start()
  t.teardown(() => { guard.stop() })
  const add = async (bytes: Uint8Array): Promise<string> => (await store.addBlob(chunks(bytes))).digest
  return { store, guard, cache, add }
}

t.test('malware: admit quarantines, deletes the blob and refuses it from then on', async t => {
  const { store, guard, add } = await setup(t)
  t.ok(guard.gating, 'a malware list makes the guard gate serving')
  const events: string[] = []
  guard.onQuarantine(r => { events.push(r.reason) })
  const clean = await add(debianLayer())
  const bad = await add(eicarLayer())
  const scan = await guard.admit(clean)
  t.equal(scan.findings.length, 1, 'a vulnerable layer is scored, not refused, by default')
  await t.rejects(guard.admit(bad), { name: 'QuarantinedError', message: /file tmp\/eicar.com \(sha256 [0-9a-f]{64}\) is on a malware list as EICAR-Test-File/ })
  t.notOk(await store.hasBlob(bad), 'its shards are gone: not served, not announced')
  t.equal(events.length, 1)
  t.match((await guard.quarantined(bad))?.reason, /EICAR/)
  await t.rejects(guard.admit(bad), { name: 'QuarantinedError' }, 'refused again without a scan')
  t.equal(guard.stats.quarantined, 1)
  t.ok(await guard.release(bad), 'an operator can release it')
  t.equal(await guard.quarantined(bad), undefined)
})

t.test('block levels refuse what they name; unknown levels are refused with the list', async t => {
  const { guard, add } = await setup(t, { malware: false, block: ['kev-critical'] })
  t.ok(guard.gating, 'block levels gate serving even without a malware list')
  const d = await add(debianLayer())
  await t.rejects(guard.admit(d), { name: 'QuarantinedError', message: /Debian package openssl 3.0.9-1 has DEBIAN-CVE-2023-5678 \(known exploited\), blocked by level kev-critical/ })
  t.throws(() => parseBlockLevels('kev,severe'), { name: 'InvalidBlockLevelError', message: /unknown block level "severe"; the levels are kev-critical, kev, critical, high/ })
  t.same(parseBlockLevels('off'), [])
  t.same(parseBlockLevels('kev, critical'), ['kev', 'critical'])
})

t.test('no malware list and no block levels: nothing gates, scans run in the background', async t => {
  const { guard, add } = await setup(t, { malware: false })
  t.notOk(guard.gating)
  const d = await add(debianLayer())
  t.ok(guard.enqueue(d))
  t.notOk(guard.enqueue(d), 'already queued')
  while (guard.stats.scanned < 1) await new Promise(resolve => setTimeout(resolve, 5))
  t.equal((await guard.scanOf(d))?.findings.length, 1, 'the score is kept for priority and eviction')
})

t.test('the queue is bounded: past it new blobs are dropped and counted', async t => {
  const { guard, add } = await setup(t, { malware: false, queueLength: 2 })
  const digests = await Promise.all([1, 2, 3, 4, 5].map(async i => await add(debianLayer([{ path: `f${i}`, body: String(i) }]))))
  const accepted = digests.map(d => guard.enqueue(d)).filter(Boolean).length
  t.ok(accepted <= 3, `at most one running and two waiting (${accepted} accepted)`)
  t.ok(guard.stats.dropped >= 2)
})

t.test('a scan is current until the feeds change', async t => {
  const { guard, cache, add } = await setup(t)
  const d = await add(debianLayer())
  const first = await guard.admit(d)
  t.equal((await guard.admit(d)).scannedAt, first.scannedAt, 'the cached scan is used')
  await cache.putScan(d, { ...first, generation: 'older' })
  const again = await guard.admit(d)
  t.equal(again.generation, 'memory', 'a stale scan is judged again')
})
