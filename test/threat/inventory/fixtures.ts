/**
 * The shared layer fixtures (see ../shared/data/threat/PROVENANCE.md), read
 * in place at test time, and the layer paths each one represents.
 */
import { pathToFileURL } from 'node:url'
import { THREAT_DIR } from '../../utils/shared-data.js'
import { readFileSync } from 'node:fs'

export const FIXTURES = pathToFileURL((THREAT_DIR ?? '/nonexistent/') + 'layer-fixtures/')

export function fixture (name: string): Buffer {
  return readFileSync(new URL(name, FIXTURES))
}

export function fixtureText (name: string): string {
  return fixture(name).toString('utf8')
}
