/**
 * Shared bits of the feed-store tests: the shared OSV fixtures by name, a
 * store in a test directory with its log captured, a minimal valid OSV
 * record, and every key a store holds (to check nothing is left behind).
 */
import { readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import type { Test } from 'tap'
import { THREAT_DIR } from '../../utils/shared-data.js'
import { ThreatFeedStore, type FeedStoreLogger, type ThreatFeedStoreInit } from '../../../src/threat/feeds/index.js'

export const DIR = THREAT_DIR ?? ''

/** The OSV fixtures: file, id and the package key each is indexed under. */
export const OSV_FIXTURES = [
  { file: 'osv-CVE-2018-5407.alpine-openssl.trimmed.json', id: 'CVE-2018-5407', key: 'Alpine/openssl' },
  { file: 'osv-DEBIAN-CVE-2017-6507.debian-apparmor.json', id: 'DEBIAN-CVE-2017-6507', key: 'Debian/apparmor' },
  { file: 'osv-DSA-3029-1.debian-nginx.json', id: 'DSA-3029-1', key: 'Debian/nginx' },
  { file: 'osv-GHSA-75v8-2h7p-7m2m.npm-formidable.json', id: 'GHSA-75v8-2h7p-7m2m', key: 'npm/formidable' },
  { file: 'osv-GHSA-9v2f-6vcg-3hgv.pypi-versions-only.json', id: 'GHSA-9v2f-6vcg-3hgv', key: 'PyPI/gradio' },
  { file: 'osv-MAL-2024-10238.pypi-malicious.json', id: 'MAL-2024-10238', key: 'PyPI/123bla' },
  { file: 'osv-PYSEC-2023-74.pypi-requests.json', id: 'PYSEC-2023-74', key: 'PyPI/requests' }
] as const

export const EICAR = '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f'

export const fixture = (file: string): string => DIR + file
export const fixtureText = (file: string): string => readFileSync(fixture(file), 'utf8')
export const fixtureJson = (file: string): Record<string, unknown> => JSON.parse(fixtureText(file)) as Record<string, unknown>

export interface LogLine { level: 'debug' | 'info' | 'warn' | 'error', obj: Record<string, unknown>, msg: string }

export function captureLogger (onLine?: (line: LogLine) => void): { logger: FeedStoreLogger, lines: LogLine[] } {
  const lines: LogLine[] = []
  const at = (level: LogLine['level']) => (obj: object, msg: string): void => {
    const line = { level, obj: obj as Record<string, unknown>, msg }
    lines.push(line)
    onLine?.(line)
  }
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines }
}

export interface TestStore {
  store: ThreatFeedStore
  /** The test's own directory (the store is at `<dir>/db`). */
  dir: string
  path: string
  lines: LogLine[]
  reopen (): Promise<ThreatFeedStore>
}

/** A store in a fresh test directory, closed at teardown. */
export async function openTestStore (t: Test, init: Partial<ThreatFeedStoreInit> = {}, onLine?: (line: LogLine) => void): Promise<TestStore> {
  const dir = t.testdir()
  const path = join(dir, 'db')
  const { logger, lines } = captureLogger(onLine)
  const open = async (): Promise<ThreatFeedStore> => await ThreatFeedStore.open({ path, logger, ...init })
  const handle: TestStore = {
    store: await open(),
    dir,
    path,
    lines,
    reopen: async () => {
      await handle.store.close()
      handle.store = await open()
      return handle.store
    }
  }
  t.teardown(async () => { await handle.store.close() })
  return handle
}

/** A minimal OSV record that passes the schema. */
export function osvRecord (id: string, name: string, modified = '2024-01-01T00:00:00Z', ecosystem = 'npm'): Record<string, unknown> {
  return {
    schema_version: '1.6.0',
    id,
    modified,
    affected: [{ package: { ecosystem, name }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.2.3' }] }] }]
  }
}

export async function writeJson (path: string, value: unknown): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true })
  await writeFile(path, JSON.stringify(value, null, 2))
}

/** Every key of a closed store's database, readable (U+0000 shown as `|`). */
export async function allKeys (path: string): Promise<string[]> {
  const db = new ClassicLevel<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
  await db.open()
  try {
    return (await db.keys().all()).map(k => k.replaceAll('\u0000', '|'))
  } finally {
    await db.close()
  }
}

/** The error `promise` rejects with (a plain Error when it resolves, failing the caller's name check). */
export async function caught (promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise
  } catch (err) {
    return err as Error & Record<string, unknown>
  }
  return new Error('expected a rejection, but it resolved') as Error & Record<string, unknown>
}
