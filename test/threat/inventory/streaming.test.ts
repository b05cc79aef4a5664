/**
 * A 200 MiB layer of random contents goes through the inventory without the
 * process growing by anything like its size: nothing buffers a whole layer
 * or a whole big file. RSS is sampled while the layer streams and the peak is
 * compared to the RSS before. The plain layer is generated as it is read; the
 * gzip and zstd ones are written to a temporary file first, because
 * compressing in the same process costs more memory (zlib and GC lag,
 * ~100 MiB) than the inventory itself and would be measured with it (zstd's
 * by the `zstd` CLI, skipped without it).
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { spawnSync } from 'node:child_process'
import t from 'tap'
import { inventoryLayer } from '../../../src/threat/inventory/index.js'
import { fixture } from './fixtures.js'
import { gzipStream, randomLayer, type GeneratedFile } from './tar-writer.js'
import { withThreatData } from '../../utils/shared-data.js'
import { requireBinaries } from '../../utils/system.js'

const test = withThreatData(t)

const MiB = 1024 * 1024
const LAYER_BYTES = 200 * MiB
/**
 * Peak RSS growth allowed: half the layer. Measured growth is about 30 MiB
 * (buffers and promises awaiting GC; tap's async context tracking adds to the
 * garbage), so this is generous, yet a layer held whole would break it.
 */
const MAX_GROWTH_BYTES = 100 * MiB

/** 200 MiB in files from 8 KiB to 60 MiB, plus a dpkg database among them. */
function layout (): Array<{ path: string, size: number }> {
  const files = [60, 50, 40, 30].map((m, i) => ({ path: `opt/blob${i}.bin`, size: m * MiB }))
  let left = LAYER_BYTES - files.reduce((n, f) => n + f.size, 0)
  for (let i = 0; left > 0; i++) {
    const size = Math.min(left, 8 * 1024 * (1 + (i % 64)))
    files.push({ path: `usr/share/data/${i}.dat`, size })
    left -= size
  }
  return files
}

function sampled (source: AsyncIterable<Uint8Array>, peak: { rss: number }): AsyncIterable<Uint8Array> {
  return (async function * () {
    let n = 0
    for await (const chunk of source) {
      if (++n % 16 === 0) peak.rss = Math.max(peak.rss, process.memoryUsage().rss)
      yield chunk
    }
    peak.rss = Math.max(peak.rss, process.memoryUsage().rss)
  })()
}

for (const compression of ['none', 'gzip', 'zstd'] as const) {
  test(`a 200 MiB layer (${compression}) streams through in bounded memory`, async t => {
    if (compression === 'zstd' && !requireBinaries(t, ['zstd'])) return
    const written: GeneratedFile[] = []
    const status = fixture('dpkg-status.claircore-debian-only')
    const raw = randomLayer(layout(), written, [{ path: 'var/lib/dpkg/status', body: status }])
    let source: AsyncIterable<Uint8Array> = raw
    if (compression !== 'none') {
      const dir = await mkdtemp(join(tmpdir(), 'shoal-inventory-stream-'))
      t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
      let file = join(dir, 'layer.tar.gz')
      if (compression === 'gzip') {
        await pipeline(gzipStream(raw), createWriteStream(file))
      } else {
        await pipeline(raw, createWriteStream(join(dir, 'layer.tar')))
        file = join(dir, 'layer.tar.zst')
        const run = spawnSync('zstd', ['-q', '--rm', join(dir, 'layer.tar'), '-o', file])
        t.equal(run.status, 0, `zstd: ${run.stderr.toString()}`)
      }
      source = createReadStream(file)
    }
    const before = process.memoryUsage().rss
    const peak = { rss: before }
    const inv = await inventoryLayer(sampled(source, peak))
    const growth = peak.rss - before
    t.comment(`${compression}: rss before ${(before / MiB).toFixed(1)} MiB, peak ${(peak.rss / MiB).toFixed(1)} MiB, growth ${(growth / MiB).toFixed(1)} MiB`)
    t.ok(growth < MAX_GROWTH_BYTES, `peak RSS grew by ${(growth / MiB).toFixed(1)} MiB for a ${LAYER_BYTES / MiB} MiB layer`)

    t.equal(inv.stats.bytes, LAYER_BYTES + status.length)
    t.equal(inv.files.length, written.length + 1)
    const byPath = new Map(inv.files.map(f => [f.path, f]))
    const wrong = written.filter(w => byPath.get(w.path)?.sha256 !== w.sha256 || byPath.get(w.path)?.size !== w.size)
    t.same(wrong.map(w => w.path), [], 'every file hashed as written')
    t.same(inv.packages.map(p => p.name), ['debian-archive-keyring'], 'the database after 200 MiB is still parsed')
  })
}
