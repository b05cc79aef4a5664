import t from 'tap'
import { cidToDigest, digestToCid, InvalidDigestError, shardCid, verifyShard } from '../../src/shard/cid.js'
import { createHash } from 'node:crypto'

t.test('digest <-> CID round trip', async t => {
  const bytes = Buffer.from('hello shoal')
  const digest = 'sha256:' + createHash('sha256').update(bytes).digest('hex')
  const cid = digestToCid(digest)
  t.equal(cid.version, 1)
  t.equal(cidToDigest(cid), digest)
  t.ok(shardCid(bytes).equals(cid), 'shard CID of the bytes equals the layer CID of their digest')
  t.ok(verifyShard(cid, bytes))
  t.notOk(verifyShard(cid, Buffer.from('hello shoaL')))
})

t.test('bad digests are named', async t => {
  t.throws(() => digestToCid('sha512:abc'), InvalidDigestError)
  t.throws(() => digestToCid('sha256:' + 'A'.repeat(64)), /not a sha256 digest/)
})
