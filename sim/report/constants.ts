/** Sizes of the report's series and charts. */

/** Most points a CDF keeps (evenly spaced ranks, the last always kept). */
export const CDF_POINTS = 200
/** Most origin egress samples kept (evenly spaced, the last always kept). */
export const EGRESS_POINTS = 500
/** Time buckets of the bytes-by-source and origin-egress series. */
export const TIME_BUCKETS = 60
export const CHART_WIDTH = 720
export const CHART_HEIGHT = 400
/** The chart files `writeReport` writes, beside report.json and report.md. */
export const CHART_FILES = {
  pullTimeCdf: 'pull-time-cdf.svg',
  bytesBySource: 'bytes-by-source.svg',
  originEgress: 'origin-egress.svg'
} as const
