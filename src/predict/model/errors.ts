/** Errors of shoal's predictive cache policy, matched by `name`. */

export class InvalidModelOptionError extends Error {
  override name = 'InvalidModelOptionError' as const
}
