/** Forecast errors, each with a fixed `name` so callers match on it across module copies. */

/** An unknown or out-of-range option given to `createDemandForecaster` or a fit; the message names it. */
export class InvalidForecastOptionError extends Error {
  override name = 'InvalidForecastOptionError' as const
}

/** Input a forecast cannot use: a NaN or infinite value, a series too short for the model asked for, a horizon past the limit. */
export class InvalidForecastInputError extends Error {
  override name = 'InvalidForecastInputError' as const
}
