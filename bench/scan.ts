/**
 * bench:scan: what threat scanning costs. Two parts, each in a child
 * process of its own so each peak RSS is its own:
 *
 * - inventory: a generated gzip layer of `--size-mb` MB of tar (files of
 *   mixed sizes, compressible about 1.5:1, a dpkg database of
 *   500 packages) inventoried from disk. `scanMBps` counts tar bytes (after
 *   inflation) per second. Baseline in the same child: the floor any
 *   scanner has, gunzip plus sha256 of the same stream (`floorMBps`), so
 *   `scanRatio` = floor / scan reads as the inventory's own overhead.
 * - ingest: a generated OSV all.zip of `--records` records ingested into a
 *   fresh feed store (`recordsPerSecond`). Baseline in the same child:
 *   reading and parsing the same records without storing them
 *   (`parseRecordsPerSecond`; `ingestRatio` = parse rate / ingest rate).
 *
 *   npm run bench:scan [-- --size-mb 500] [--records 50000] [--json]
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { createGunzip, createGzip } from 'node:zlib'
import { inventoryLayer } from '../src/threat/inventory/index.js'
import { parseBenchArgs, report, round } from './util.js'

const MB = 1_000_000
const args = parseBenchArgs(process.argv.slice(2), { 'size-mb': 500, records: 50_000 })

/** Peak RSS while `fn` runs, sampled every 50 ms. */
async function withPeakRss<T> (fn: () => Promise<T>): Promise<{ value: T, peakRssMB: number }> {
  let peak = process.memoryUsage.rss()
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()) }, 50)
  try {
    const value = await fn()
    peak = Math.max(peak, process.memoryUsage.rss())
    return { value, peakRssMB: Math.round(peak / MB) }
  } finally {
    clearInterval(timer)
  }
}

/** Text-like bytes (a 40-letter alphabet): gzip shrinks them about 1.5:1, between binaries and text. */
function textish (size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size)
  let x = seed | 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5
    out[i] = 0x41 + ((x >>> 0) % 40)
  }
  return out
}

function tarHeader (name: string, size: number): Buffer {
  const h = Buffer.alloc(512)
  h.write(name, 0, 100)
  h.write('0000644\0', 100); h.write('0000000\0', 108); h.write('0000000\0', 116)
  h.write(size.toString(8).padStart(11, '0') + '\0', 124)
  h.write('14000000000\0', 136)
  h.write('        ', 148)
  h.write('0', 156)
  h.write('ustar\x0000', 257)
  let sum = 0
  for (const b of h) sum += b
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148)
  return h
}

async function * layerTar (totalBytes: number): AsyncGenerator<Buffer> {
  const pool = textish(4 * 1024 * 1024, 7)
  const status = Array.from({ length: 500 }, (_, i) => `Package: pkg${i}\nStatus: install ok installed\nVersion: 1.${i}-1\nSource: src${i % 50}\nArchitecture: amd64\n`).join('\n')
  yield tarHeader('var/lib/dpkg/status', status.length)
  yield Buffer.concat([Buffer.from(status), Buffer.alloc((512 - status.length % 512) % 512)])
  yield tarHeader('etc/os-release', 22)
  yield Buffer.concat([Buffer.from('ID=debian\nVERSION_ID=12'.slice(0, 22)), Buffer.alloc(490)])
  let written = 0
  // Sizes cycle through small config files to multi-megabyte binaries.
  const sizes = [700, 4_000, 12_000, 60_000, 250_000, 1_500_000, 3_000_000]
  for (let i = 0; written < totalBytes; i++) {
    const size = Math.min(sizes[i % sizes.length]!, totalBytes - written)
    yield tarHeader(`usr/lib/bench/f${i}`, size)
    for (let off = 0; off < size;) {
      const n = Math.min(size - off, 1024 * 1024)
      const start = (i * 7919 + off) % (pool.length - n)
      yield pool.subarray(start, start + n)
      off += n
    }
    yield Buffer.alloc((512 - size % 512) % 512)
    written += size
  }
  yield Buffer.alloc(1024)
}

async function inventoryPart (): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-bench-scan-'))
  try {
    const file = join(dir, 'layer.tar.gz')
    await pipeline(Readable.from(layerTar(args['size-mb'] * MB)), createGzip({ level: 6 }), createWriteStream(file))
    const gzBytes = (await stat(file)).size
    // The floor: inflate and hash, nothing else.
    const floorStart = performance.now()
    let tarBytes = 0
    const hash = createHash('sha256')
    for await (const chunk of createReadStream(file).pipe(createGunzip({ chunkSize: 64 * 1024 }))) { hash.update(chunk as Buffer); tarBytes += (chunk as Buffer).length }
    const floorS = (performance.now() - floorStart) / 1000
    const started = performance.now()
    const { value: inv, peakRssMB } = await withPeakRss(async () => await inventoryLayer(createReadStream(file, { highWaterMark: 1024 * 1024 })))
    const scanS = (performance.now() - started) / 1000
    if (inv.packages.length !== 500) throw new Error(`expected 500 packages, got ${inv.packages.length}`)
    return {
      tarMB: round(tarBytes / MB, 0), gzipMB: round(gzBytes / MB, 0), files: inv.files.length,
      scanSeconds: round(scanS, 2), scanMBps: round(tarBytes / MB / scanS, 0),
      floorSeconds: round(floorS, 2), floorMBps: round(tarBytes / MB / floorS, 0),
      scanRatio: round(scanS / floorS, 2), peakRssMB
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function ingestPart (): Promise<Record<string, number>> {
  const { benchIngest } = await import('./scan-ingest.js')
  return await benchIngest({ records: args.records }) as unknown as Record<string, number>
}

async function child (role: string): Promise<Record<string, number>> {
  const proc = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--role', role, '--size-mb', String(args['size-mb']), '--records', String(args.records)], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  proc.stdout.on('data', (d: Buffer) => { out += d.toString() })
  const code = await new Promise<number | null>(resolve => proc.on('close', resolve))
  if (code !== 0) throw new Error(`bench:scan ${role} exited with ${String(code)}`)
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, number>
}

if (args.role === 'inventory' || args.role === 'ingest') {
  const result = args.role === 'inventory' ? await inventoryPart() : await ingestPart()
  process.stdout.write(JSON.stringify(result) + '\n')
} else {
  const inv = await child('inventory')
  const ing = await child('ingest')
  report(args.json, [
    ['inventory of a gzip layer', 'figure', ''],
    ['  tar bytes (gzip bytes)', `${inv.tarMB} MB (${inv.gzipMB} MB)`, `${inv.files} files, 500 dpkg packages`],
    ['  scanMBps', String(inv.scanMBps), `${inv.scanSeconds} s`],
    ['  baseline: gunzip + sha256 only', `${inv.floorMBps} MB/s`, `${inv.floorSeconds} s; scan takes ${inv.scanRatio}x the floor`],
    ['  peakRssMB', String(inv.peakRssMB), ''],
    ['OSV all.zip ingest', 'figure', ''],
    ['  records', String(ing.records), ''],
    ['  recordsPerSecond', String(ing.recordsPerSecond), `${ing.seconds} s`],
    ['  baseline: read and parse only', `${ing.parseRecordsPerSecond} rec/s`, `ingest takes ${ing.ingestRatio}x the parse`],
    ['  peakRssMB', String(ing.peakRssMB), '']
  ], {
    scanMBps: inv.scanMBps, floorMBps: inv.floorMBps, scanRatio: inv.scanRatio, peakRssMB: inv.peakRssMB,
    recordsPerSecond: ing.recordsPerSecond, ingestPeakRssMB: ing.peakRssMB,
    parseRecordsPerSecond: ing.parseRecordsPerSecond, ingestRatio: ing.ingestRatio,
    records: ing.records, tarMB: inv.tarMB
  })
}
