/**
 * Which files of a layer are package databases or manifests, and which
 * parser reads each. Paths are the normalised layer paths (no leading `/`).
 * Databases are looked for at their standard place only, as Trivy does for
 * image layers; language manifests anywhere.
 */
import { parseApkInstalled } from './apk.js'
import { parseDpkgStatus } from './dpkg.js'
import { isNpmManifest, parsePackageJson } from './npm.js'
import { OS_RELEASE_PATHS } from './os-release.js'
import { isPythonMetadata, parseCoreMetadata } from './python.js'
import type { CatalogResult } from './types.js'

export type CatalogKind = 'dpkg' | 'apk' | 'npm' | 'pypi' | 'os-release'

const DPKG_STATUS = 'var/lib/dpkg/status'
const DPKG_STATUS_DIR = 'var/lib/dpkg/status.d/'
const APK_INSTALLED = 'lib/apk/db/installed'

/** The kind of file at `path`, or undefined when nothing reads it. */
export function catalogKind (path: string): CatalogKind | undefined {
  if (path === DPKG_STATUS) return 'dpkg'
  if (path.startsWith(DPKG_STATUS_DIR)) {
    const name = path.slice(DPKG_STATUS_DIR.length)
    // distroless keeps `<pkg>.md5sums` next to each `<pkg>` stanza.
    return name !== '' && !name.includes('/') && !name.endsWith('.md5sums') ? 'dpkg' : undefined
  }
  if (path === APK_INSTALLED) return 'apk'
  if (OS_RELEASE_PATHS.includes(path)) return 'os-release'
  if (isNpmManifest(path)) return 'npm'
  if (isPythonMetadata(path)) return 'pypi'
  return undefined
}

const PARSERS: Record<Exclude<CatalogKind, 'os-release'>, (text: string) => CatalogResult> = {
  dpkg: parseDpkgStatus,
  apk: parseApkInstalled,
  npm: parsePackageJson,
  pypi: parseCoreMetadata
}

export function parsePackages (kind: Exclude<CatalogKind, 'os-release'>, text: string): CatalogResult {
  return PARSERS[kind](text)
}
