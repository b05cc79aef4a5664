import t from 'tap'
import { readFileSync } from 'node:fs'
import * as C from '../../src/shard/constants.js'
import { resolveChunkerParams, validateChunkerParams } from '../../src/shard/params.js'

const KiB = 1024
const MiB = 1024 * KiB

t.test('the defaults are the documented ones', async t => {
  t.equal(C.CHUNKER_NAME, 'fastcdc-v1')
  t.equal(C.DEFAULT_MIN_BYTES, 256 * KiB)
  t.equal(C.DEFAULT_AVG_BYTES, 1 * MiB)
  t.equal(C.DEFAULT_MAX_BYTES, 4 * MiB)
  t.equal(C.MAX_INDEX_BYTES, 8 * MiB)
  t.same(resolveChunkerParams(), { name: 'fastcdc-v1', minBytes: 256 * KiB, avgBytes: 1 * MiB, maxBytes: 4 * MiB })
  // The @default notes in params.ts name these constants and their values.
  const doc = readFileSync(new URL('../../src/shard/params.ts', import.meta.url), 'utf8')
  t.match(doc, /@default DEFAULT_MIN_BYTES \(256 KiB\)/)
  t.match(doc, /@default DEFAULT_AVG_BYTES \(1 MiB\)/)
  t.match(doc, /@default DEFAULT_MAX_BYTES \(4 MiB\)/)
})

t.test('resolve: explicit values, the avg-only shortcut, the name', async t => {
  t.same(resolveChunkerParams({ minBytes: 1024, avgBytes: 4096, maxBytes: 65536 }), { name: 'fastcdc-v1', minBytes: 1024, avgBytes: 4096, maxBytes: 65536 })
  t.same(resolveChunkerParams({ avgBytes: 4 * MiB }), { name: 'fastcdc-v1', minBytes: 1 * MiB, avgBytes: 4 * MiB, maxBytes: 16 * MiB })
  t.same(resolveChunkerParams({ name: 'fastcdc-v1', minBytes: undefined }), resolveChunkerParams(), 'undefined means default')
  t.throws(() => resolveChunkerParams({ avgBytes: 8 * MiB }), { message: /maxBytes must be an integer from 64 to 16777216, got 33554432/ })
})

t.test('validation names the problem', async t => {
  const ok = { name: 'fastcdc-v1', minBytes: 16, avgBytes: 64, maxBytes: 128 }
  t.doesNotThrow(() => { validateChunkerParams(ok) }, 'the smallest accepted')
  const bad: Array<[object, RegExp]> = [
    [{ minBytes: 8 }, /minBytes must be an integer from 16/],
    [{ minBytes: 16.5 }, /minBytes must be an integer/],
    [{ avgBytes: '64' }, /avgBytes must be an integer/],
    [{ avgBytes: 96 }, /power of two.*got 96; try 64 or 128/],
    [{ minBytes: 64 }, /minBytes < avgBytes < maxBytes, got 64 \/ 64 \/ 128/],
    [{ maxBytes: 64 }, /minBytes < avgBytes < maxBytes/],
    [{ maxBytes: 32 * MiB }, /maxBytes must be an integer from 64 to 16777216/],
    [{ name: 'fastcdc' }, /unknown chunker "fastcdc"; this version knows only fastcdc-v1/]
  ]
  for (const [change, message] of bad) {
    t.throws(() => { validateChunkerParams({ ...ok, ...change } as never) }, { name: 'InvalidChunkerParamsError', message }, JSON.stringify(change))
  }
})
