import t, { type Test } from 'tap'
import pino from 'pino'
import { TestSwarm, randomBytes } from '../utils/nodes.js'
import { startMirror } from '../utils/mirror.js'
import { MemoryOrigin, makeImage } from './memory-origin.js'
import { MemoryThreatLookup } from '../../src/threat/lookup.js'
import { ScanCache } from '../../src/threat/scan/index.js'
import { ThreatGuard } from '../../src/threat/guard/index.js'
import { EICAR_SHA256, debianLayer, eicarLayer } from '../threat/scan/fixtures.js'
import { gzip, tar } from '../threat/inventory/tar-writer.js'

const logger = pino({ level: 'silent' })

async function setup (t: Test, init: { judgeBeforeHeadersMaxBytes?: number } = {}) {
  const swarm = new TestSwarm()
  t.teardown(async () => { await swarm.teardown() })
  const node = await swarm.spawn('a')
  const origin = new MemoryOrigin()
  const lookup = new MemoryThreatLookup({ malware: [{ sha256: EICAR_SHA256, signature: 'EICAR-Test-File' }] })
  const guard = new ThreatGuard({ store: node.store, lookup, cache: new ScanCache(), logger, hasMalwareFeed: async () => true })
  await guard.start()
  t.teardown(() => { guard.stop() })
  const m = await startMirror(node, origin, init, { guard })
  t.teardown(m.stop)
  return { node, origin, guard, m }
}

t.test('a layer holding known malware is refused with DENIED and the reason, first time and after', async t => {
  const { node, origin, m, guard } = await setup(t)
  const image = makeImage([debianLayer(), eicarLayer()])
  origin.push('library/app', 'v1', image)
  const clean = await fetch(`${m.url}/v2/library/app/blobs/${image.layers[0]!.digest}`)
  t.equal(clean.status, 200, 'a clean layer is served')
  await clean.arrayBuffer()
  const bad = image.layers[1]!.digest
  for (const attempt of ['first', 'second']) {
    const res = await fetch(`${m.url}/v2/library/app/blobs/${bad}`)
    t.equal(res.status, 403, `${attempt} request: 403`)
    const body = await res.json() as { errors: Array<{ code: string, message: string }> }
    t.equal(body.errors[0]?.code, 'DENIED')
    t.match(body.errors[0]?.message, /quarantined: file tmp\/eicar.com \(sha256 275a021b[0-9a-f]+\) is on a malware list as EICAR-Test-File/)
  }
  const head = await fetch(`${m.url}/v2/library/app/blobs/${bad}`, { method: 'HEAD' })
  t.equal(head.status, 403, 'HEAD is refused too')
  t.notOk(await node.store.hasBlob(bad), 'the blob is not kept')
  t.equal(origin.count('getBlob'), 2, 'the origin was asked for it once only (plus the clean layer)')
  t.equal(guard.stats.quarantined, 1)
})

t.test('a blob too big to judge before its headers is cut off before its last bytes', async t => {
  const { m, origin } = await setup(t, { judgeBeforeHeadersMaxBytes: 1024 })
  const filler = randomBytes(3 << 20, 7)
  const layer = gzip(tar([{ path: 'big.bin', body: filler }, { path: 'tmp/eicar.com', body: 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' }]))
  const image = makeImage([layer])
  origin.push('library/big', 'v1', image)
  const digest = image.layers[0]!.digest
  const res = await fetch(`${m.url}/v2/library/big/blobs/${digest}`)
  t.equal(res.status, 200, 'headers went out before the verdict')
  await t.rejects(res.arrayBuffer(), 'the body is cut off: the client never has the whole blob')
  const again = await fetch(`${m.url}/v2/library/big/blobs/${digest}`)
  t.equal(again.status, 403, 'and it is refused from then on')
})
