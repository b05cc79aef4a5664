/**
 * The simulator reads trace CSV with the product's reader
 * (`src/predict/trace/csv.ts`: RFC 4180, records with their line, blank lines
 * skipped, an unclosed quote flagged), so `shoal predict eval` and
 * `npm run sim -- trace FILE` read a file the same way.
 */
export { readCsv, type CsvRecord } from '../../src/predict/trace/csv.js'
