/** Priority errors, matched by `name`. */

/** A weight, a topology or an input that cannot be scored; the message names the field. */
export class InvalidPriorityInputError extends Error {
  override name = 'InvalidPriorityInputError' as const
}
