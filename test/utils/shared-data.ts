/**
 * Where the shared test data lives (real threat-feed records, layer files,
 * version golden files): `$SHOAL_SHARED_DATA`, else `../shared/data` next to
 * the repository, else `/work/shared/data`. Tests read it in place; it is not
 * copied into the repository. Without it, tests that need it are skipped
 * with a message that says where it was looked for.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join, resolve } from 'node:path'
import type { Test } from 'tap'

const CANDIDATES = [
  process.env.SHOAL_SHARED_DATA,
  resolve(fileURLToPath(new URL('../../../shared/data', import.meta.url))),
  '/work/shared/data'
].filter((d): d is string => d != null && d !== '')

/** The shared data directory, or undefined. */
export const SHARED_DATA: string | undefined = CANDIDATES.find(d => existsSync(join(d, 'threat')))

/** `<shared data>/threat/` with a trailing slash, or undefined. */
export const THREAT_DIR: string | undefined = SHARED_DATA != null ? join(SHARED_DATA, 'threat') + '/' : undefined

export const MISSING_MESSAGE = `needs the shared threat fixtures (looked in ${CANDIDATES.join(', ')}; set SHOAL_SHARED_DATA)`

/**
 * `t.test` when the data is there; otherwise registers one skipped test
 * naming where it was looked for, and ignores the rest.
 */
export function withThreatData (t: Test): Test['test'] {
  if (THREAT_DIR != null) return t.test.bind(t)
  let skipped = false
  return ((name: string) => {
    if (!skipped) { skipped = true; void t.test(name, { skip: MISSING_MESSAGE }, async () => {}) }
  }) as unknown as Test['test']
}
