import { MAX_ECOSYSTEM_LENGTH } from './constants.js'
import { UnsupportedEcosystemError } from './errors.js'

/** The ecosystems whose versions can be compared, spelled as OSV spells them. */
export const ECOSYSTEMS = ['Debian', 'Alpine', 'npm', 'PyPI'] as const

export type Ecosystem = typeof ECOSYSTEMS[number]

/** An ecosystem as OSV names it in `affected[].package.ecosystem`: bare, or with a release (`Debian:12`, `Alpine:v3.19`). */
export type EcosystemName = Ecosystem | `${Ecosystem}:${string}`

const RELEASE = /^[\x21-\x7e]+$/

/**
 * The ecosystem an OSV ecosystem name refers to. A release suffix is
 * accepted and ignored: version order does not depend on the release.
 * Names are case-sensitive, as in OSV.
 */
export function parseEcosystem (name: string): Ecosystem {
  if (typeof name !== 'string' || name.length > MAX_ECOSYSTEM_LENGTH) throw new UnsupportedEcosystemError(name, ECOSYSTEMS)
  const colon = name.indexOf(':')
  const base = colon === -1 ? name : name.slice(0, colon)
  if (colon !== -1 && !RELEASE.test(name.slice(colon + 1))) throw new UnsupportedEcosystemError(name, ECOSYSTEMS)
  const found = ECOSYSTEMS.find(e => e === base)
  if (found === undefined) throw new UnsupportedEcosystemError(name, ECOSYSTEMS)
  return found
}
