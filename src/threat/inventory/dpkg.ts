/**
 * dpkg's database: `var/lib/dpkg/status`, and the one-package-per-file
 * `var/lib/dpkg/status.d/*` that distroless images ship instead. A package
 * counts when its status word is `installed` (`install ok installed`, also
 * `hold ok installed`, as `dpkg-query`'s db:Status-Status reports it);
 * distroless stanzas have no Status at all and count too. Removed packages
 * with config files left (`deinstall ok config-files`) and half-installed
 * ones are left out, silently: dpkg keeps them on purpose.
 */
import { parseParagraphs } from './deb822.js'
import type { CatalogResult, FoundPackage } from './types.js'

export function parseDpkgStatus (text: string): CatalogResult {
  const packages: FoundPackage[] = []
  let skipped = 0
  for (const { fields } of parseParagraphs(text)) {
    const name = withoutArch(fields.get('package') ?? '')
    const version = fields.get('version') ?? ''
    if (name === '' || version === '' || /\s/.test(name) || /\s/.test(version)) {
      skipped++
      continue
    }
    const status = fields.get('status')
    if (status !== undefined && !isInstalled(status)) continue
    packages.push({ ecosystem: 'Debian', name, version, source: sourceOf(fields.get('source'), name, version) })
  }
  return { packages, skipped }
}

/** `Status: <want> <flag> <status>`: only the status word says whether the files are on disk. */
function isInstalled (status: string): boolean {
  const words = status.split(/\s+/)
  return words.length === 3 && words[1] === 'ok' && words[2] === 'installed'
}

/** `Source: name` or `Source: name (version)`; without one, the binary package is its own source. */
function sourceOf (field: string | undefined, name: string, version: string): { name: string, version: string } {
  if (field === undefined || field === '') return { name, version }
  const match = /^(\S+)(?:\s+\((\S+)\))?$/.exec(field)
  if (match == null) return { name, version }
  return { name: withoutArch(match[1]!), version: match[2] ?? version }
}

/** `libc6:amd64` names libc6; Debian package names never hold a colon. */
function withoutArch (name: string): string {
  const colon = name.indexOf(':')
  return colon < 0 ? name : name.slice(0, colon)
}
