/**
 * `os-release` (`etc/os-release`, or `usr/lib/os-release` that it usually
 * links to): shell-style `KEY=value` lines, values optionally quoted. The
 * distribution it names picks the OSV ecosystem its packages are matched in.
 */
import type { OsInfo } from './index.js'

export const OS_RELEASE_PATHS = ['etc/os-release', 'usr/lib/os-release']

export function parseOsRelease (text: string): Omit<OsInfo, 'path'> | undefined {
  const values = new Map<string, string>()
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line)
    if (match == null) continue
    values.set(match[1]!, unquote(match[2]!))
  }
  const id = values.get('ID')
  if (id === undefined || id === '') return undefined
  const os: Omit<OsInfo, 'path'> = { id }
  const versionId = values.get('VERSION_ID')
  const prettyName = values.get('PRETTY_NAME')
  if (versionId !== undefined && versionId !== '') os.versionId = versionId
  if (prettyName !== undefined && prettyName !== '') os.prettyName = prettyName
  const ecosystem = osvEcosystem(id, versionId)
  if (ecosystem !== undefined) os.ecosystem = ecosystem
  return os
}

/** `Debian:12`, `Alpine:v3.19`, `Ubuntu:22.04`; undefined for other distributions or without a version. */
export function osvEcosystem (id: string, versionId: string | undefined): string | undefined {
  if (versionId === undefined) return undefined
  switch (id) {
    case 'debian': {
      const major = /^(\d+)/.exec(versionId)
      return major == null ? undefined : `Debian:${major[1]!}`
    }
    case 'alpine': {
      const minor = /^(\d+)\.(\d+)/.exec(versionId)
      return minor == null ? undefined : `Alpine:v${minor[1]!}.${minor[2]!}`
    }
    case 'ubuntu':
      return /^\d+\.\d+$/.test(versionId) ? `Ubuntu:${versionId}` : undefined
    default:
      return undefined
  }
}

/** A shell value: "double" (with backslash escapes), 'single', or bare. */
function unquote (value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\([$"\\`])/g, '$1')
  }
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1)
  return value
}
