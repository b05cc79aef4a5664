/**
 * The shared layer fixtures (see ../shared/data/threat/PROVENANCE.md), read
 * in place at test time, and the layer paths each one represents.
 */
import { readFileSync } from 'node:fs'

export const FIXTURES = new URL('../../../../shared/data/threat/layer-fixtures/', import.meta.url)

export function fixture (name: string): Buffer {
  return readFileSync(new URL(name, FIXTURES))
}

export function fixtureText (name: string): string {
  return fixture(name).toString('utf8')
}
