/**
 * Installed Python distributions: `<dist>.dist-info/METADATA` (wheels, pip)
 * and `<dist>.egg-info/PKG-INFO` or a bare `<dist>.egg-info` file
 * (setuptools). Both are core metadata: RFC 822 headers, then a body (the
 * long description) after the first blank line, which is never read.
 */
import { parseParagraphs } from './deb822.js'
import type { CatalogResult } from './types.js'

export function isPythonMetadata (path: string): boolean {
  return /(^|\/)[^/]+\.dist-info\/METADATA$/.test(path) ||
    /(^|\/)[^/]+\.egg-info\/PKG-INFO$/.test(path) ||
    /(^|\/)[^/]+\.egg-info$/.test(path)
}

export function parseCoreMetadata (text: string): CatalogResult {
  const [headers] = parseParagraphs(text, { first: true })
  const name = headers?.fields.get('name') ?? ''
  const version = headers?.fields.get('version') ?? ''
  if (name === '' || version === '' || name.includes('\n') || version.includes('\n')) return { packages: [], skipped: 1 }
  return { packages: [{ ecosystem: 'PyPI', name, version }], skipped: 0 }
}
