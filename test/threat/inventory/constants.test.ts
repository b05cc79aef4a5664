import { readFileSync } from 'node:fs'
import t from 'tap'
import * as constants from '../../../src/threat/inventory/constants.js'

const UNIT: Record<string, number> = { '': 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }

t.test('the defaults documented in index.ts are the constants', async t => {
  const source = readFileSync(new URL('../../../src/threat/inventory/index.ts', import.meta.url), 'utf8')
  const documented = [...source.matchAll(/@default ([A-Z_]+) \((\d+)(?: ?([A-Za-z]+))?\)/g)]
  t.equal(documented.length, 6, 'every limit documents its default')
  for (const [, name = '', value = '', unit = ''] of documented) {
    const actual = (constants as Record<string, unknown>)[name]
    t.equal(actual, Number(value) * (UNIT[unit] ?? NaN), `${name} = ${value} ${unit}`)
  }
})
