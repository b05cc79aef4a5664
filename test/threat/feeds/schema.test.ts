import t from 'tap'
import { withThreatData } from '../../utils/shared-data.js'
import { OSV_SCHEMA, OSV_SCHEMA_SOURCE } from '../../../src/threat/osv/schema-document.js'
import { osvSchemaCheck } from '../../../src/threat/osv/schema.js'
import { OSV_FIXTURES, fixtureJson, osvRecord } from './helpers.js'

const test = withThreatData(t)

test('the vendored schema is the upstream file, unchanged', async t => {
  t.same(OSV_SCHEMA, fixtureJson('osv-schema-1.7.x.validation.json'))
  t.match(OSV_SCHEMA_SOURCE, /^ossf\/osv-schema@51b8156:validation\/schema\.json$/)
})

test('every OSV fixture passes; records breaking the schema fail with where and why', async t => {
  const check = osvSchemaCheck()
  t.equal(osvSchemaCheck(), check, 'compiled once')
  for (const f of OSV_FIXTURES) t.equal(check(fixtureJson(f.file)), undefined, f.file)
  const good = osvRecord('GHSA-aaaa-bbbb-cccc', 'x')
  t.equal(check(good), undefined)
  t.equal(check({ ...good, id: 'NOPE-1' }), 'record/id does not match the pattern the schema gives')
  t.equal(check({ ...good, modified: '2024-13-45' }), 'record/modified does not match the pattern the schema gives')
  t.equal(check({ ...good, modified: '2024-02-31T99:00:00Z' }), 'record/modified must match format "date-time"')
  t.equal(check({ ...good, references: [{ type: 'WEB', url: 'not a url' }] }), 'record/references/0/url must match format "uri"')
  t.equal(check({ ...good, affected: [{ package: { ecosystem: 'NoSuchEcosystem', name: 'x' } }] }), 'record/affected/0/package/ecosystem does not match the pattern the schema gives')
  t.equal(check({ ...good, unknown_field: 1 }), 'record must NOT have additional properties')
  t.equal(check([]), 'record must be object')
  const { modified: _m, ...missing } = good
  t.equal(check(missing), "record must have required property 'modified'")
})
