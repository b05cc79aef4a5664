/**
 * apk's database, `lib/apk/db/installed`: one record per package, blank-line
 * separated, each line `<letter>:<value>`. `P` is the name, `V` the version,
 * `o` the origin (the aport, i.e. the source package, which Alpine's secdb and
 * OSV name). Lines of any other shape are ignored (a record's file lists are
 * long and nothing here needs them).
 */
import type { CatalogResult, FoundPackage } from './types.js'

export function parseApkInstalled (text: string): CatalogResult {
  const packages: FoundPackage[] = []
  let skipped = 0
  let record: Map<string, string> | undefined
  const finish = (): void => {
    if (record == null) return
    const name = record.get('P') ?? ''
    const version = record.get('V') ?? ''
    if (name === '' || version === '') {
      skipped++
    } else {
      const origin = record.get('o')
      packages.push({ ecosystem: 'Alpine', name, version, source: { name: origin != null && origin !== '' ? origin : name, version } })
    }
    record = undefined
  }
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      finish()
      continue
    }
    record ??= new Map()
    if (line.length < 2 || line[1] !== ':') continue
    const key = line[0]!
    // The first P/V/o of a record wins; a record never repeats them.
    if ((key === 'P' || key === 'V' || key === 'o') && !record.has(key)) record.set(key, line.slice(2).trim())
  }
  finish()
  return { packages, skipped }
}
