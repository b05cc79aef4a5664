import t from 'tap'
import { SizeHints } from '../../src/registry/size-hints.js'

const d = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`
const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v))

t.test('size hints: the sizes a manifest or an index declares; anything else ignored; bounded', async t => {
  const h = new SizeHints(2)
  h.noteManifest(enc({ schemaVersion: 2, config: { mediaType: 'a', digest: d(1), size: 10 }, layers: [{ mediaType: 'b', digest: d(2), size: 20 }, { digest: d(9), size: 5 }] }))
  t.equal(h.get(d(1)), 10, 'the config')
  t.equal(h.get(d(2)), 20, 'a layer')
  t.equal(h.get(d(9)), undefined, 'a descriptor without a media type is not one')
  h.noteManifest(enc({ schemaVersion: 2, manifests: [{ mediaType: 'm', digest: d(3), size: 30 }, { mediaType: 'm', digest: 'sha256:nothex', size: 1 }, { mediaType: 'm', digest: d(4), size: -1 }] }))
  t.equal(h.get(d(3)), 30, 'a manifest of an index')
  t.equal(h.get(d(4)), undefined, 'a negative size is not a size')
  t.equal(h.get(d(1)), undefined, 'the oldest is forgotten past the limit')
  t.equal(h.size, 2)
  for (const junk of ['not json', '[1,2]', 'null', '{"layers": "x"}']) h.noteManifest(new TextEncoder().encode(junk))
  t.equal(h.size, 2, 'malformed manifests change nothing')
})
