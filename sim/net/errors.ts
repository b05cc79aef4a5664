/** Errors of the shaped network. Each has a fixed `name`. */

/** A topology file that cannot be used; the message names the field. */
export class TopologyError extends Error {
  override name = 'TopologyError' as const
}

/** A write to, or a wait on, a shaper that was destroyed. */
export class ShaperClosedError extends Error {
  override name = 'ShaperClosedError' as const
}

/** An option of a shaped transport or proxy that cannot be used; the message names it. */
export class ShapingOptionError extends Error {
  override name = 'ShapingOptionError' as const
}
