/**
 * npm packages: the `package.json` at the root of each package directory
 * under a `node_modules` (`node_modules/<name>/package.json`,
 * `node_modules/@scope/<name>/package.json`, at any depth of nesting). The
 * package.json files deeper inside a package (test fixtures, `"type"`
 * markers) are not installed packages and are not looked at.
 */
import type { CatalogResult } from './types.js'

/** True for a path npm installs a package's manifest at. */
export function isNpmManifest (path: string): boolean {
  const segments = path.split('/')
  const n = segments.length
  if (n < 3 || segments[n - 1] !== 'package.json') return false
  if (segments[n - 3] === 'node_modules' && !segments[n - 2]!.startsWith('@')) return true
  return n >= 4 && segments[n - 4] === 'node_modules' && segments[n - 3]!.startsWith('@')
}

export function parsePackageJson (text: string): CatalogResult {
  let manifest: unknown
  try {
    manifest = JSON.parse(text)
  } catch {
    return { packages: [], skipped: 1 }
  }
  const { name, version } = (typeof manifest === 'object' && manifest !== null ? manifest : {}) as { name?: unknown, version?: unknown }
  if (typeof name !== 'string' || typeof version !== 'string' || name.trim() === '' || version.trim() === '') {
    return { packages: [], skipped: 1 }
  }
  return { packages: [{ ecosystem: 'npm', name: name.trim(), version: version.trim() }], skipped: 0 }
}
