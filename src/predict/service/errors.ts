/** Errors of the priority service, matched by `name`. */

/** An unknown or out-of-range option; the message names it. */
export class InvalidPriorityServiceOptionError extends Error {
  override name = 'InvalidPriorityServiceOptionError' as const
}

/** A `round` query out of range: a `top` above PRIORITY_MAX_TOP, a region that is not a region name. */
export class InvalidPriorityQueryError extends Error {
  override name = 'InvalidPriorityQueryError' as const
}

/** `refresh` on a service that is not running. */
export class PriorityServiceStoppedError extends Error {
  override name = 'PriorityServiceStoppedError' as const
  constructor (message = 'the priority service is not running') {
    super(message)
  }
}

/** A topology file whose `rttMs` or `origin` cannot be read as distances; the message names the field. */
export class PriorityTopologyError extends Error {
  override name = 'PriorityTopologyError' as const
}

/** A gossiped message that is not a priority message (counted and dropped, never thrown to a caller). */
export class PriorityGossipError extends Error {
  override name = 'PriorityGossipError' as const
}
