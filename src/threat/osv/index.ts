/**
 * OSV records and range evaluation: which installed package versions an OSV
 * record affects. Version order comes from the caller (the `version` module
 * of this subsystem, per ecosystem).
 */
export { parseOsvRecord, type OsvRecord, type OsvAffected, type OsvRange, type RangeEvent } from './record.js'
export { isAffected, fixedVersion, type Compare } from './ranges.js'
export { InvalidOsvRecordError } from './errors.js'
