/** Errors of the workload generators, matched by `name`. */

/** An option that cannot make a workload (named, with the fix). */
export class WorkloadOptionError extends Error {
  override name = 'WorkloadOptionError'
}

/** A catalog file that is not the Docker Hub metadata array it should be (thrown by the catalog reader the simulator shares with the trace generator). */
export { CatalogFormatError } from '../../src/predict/trace/errors.js'

/** A trace that cannot be replayed at all (a missing required column, no rows); single bad rows are only counted. */
export class TraceFormatError extends Error {
  override name = 'TraceFormatError'
}
