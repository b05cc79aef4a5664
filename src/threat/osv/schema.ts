/**
 * OSV records checked against the OSV JSON Schema (draft 2020-12, vendored
 * in `schema-document.ts`) before `parseOsvRecord` reads them: the parser
 * checks only what matching depends on, the schema checks the rest of the
 * record (id prefixes, ecosystem names, timestamps, severity vectors), so a
 * feed never stores a record the spec calls invalid.
 *
 * Compiling the schema takes tens of milliseconds, so it is compiled once,
 * on first use, and the compiled function is shared: it is a pure function
 * of the vendored schema, not state. The two formats the schema names are
 * checked here (ajv ships none): `date-time` also has to parse as a date,
 * `uri` as a URL.
 */
import Ajv2020 from 'ajv/dist/2020.js'
import { OSV_SCHEMA } from './schema-document.js'

/** Returns undefined for a valid record, else why it is not. */
export type OsvSchemaCheck = (value: unknown) => string | undefined

/** The longest reason returned (a schema error can quote long patterns). */
const MAX_REASON_CHARS = 300

let check: OsvSchemaCheck | undefined

export function osvSchemaCheck (): OsvSchemaCheck {
  check ??= compile()
  return check
}

function compile (): OsvSchemaCheck {
  // ajv is CommonJS; under nodenext its default export is the module object
  const ajv = new Ajv2020.default({
    allErrors: false,
    // Strict mode is a lint for schema authors; upstream's schema is valid
    // JSON Schema that two of its checks refuse (`required` in `if` blocks
    // naming properties declared elsewhere, `items` without `type: array`).
    // Unknown keywords are still refused.
    strictSchema: true,
    strictRequired: false,
    strictTypes: false,
    formats: {
      'date-time': (s: string) => !Number.isNaN(Date.parse(s)),
      uri: (s: string) => URL.canParse(s)
    }
  })
  const validate = ajv.compile(OSV_SCHEMA)
  return (value: unknown) => {
    if (validate(value)) return undefined
    const e = validate.errors?.[0]
    // a pattern error would quote the whole pattern (the ecosystem list is 700 characters)
    const text = e == null ? 'invalid' : `record${e.instancePath} ${e.keyword === 'pattern' ? 'does not match the pattern the schema gives' : e.message ?? e.keyword}`
    return text.length > MAX_REASON_CHARS ? text.slice(0, MAX_REASON_CHARS) + '...' : text
  }
}
