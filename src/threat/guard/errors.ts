/** A blob refused because of what it holds; the message names the reason. The mirror answers it with DENIED. */
export class QuarantinedError extends Error {
  override name = 'QuarantinedError'
  constructor (readonly digest: string, readonly reason: string) {
    super(`blob ${digest} is quarantined: ${reason}`)
  }
}

export class InvalidBlockLevelError extends Error {
  override name = 'InvalidBlockLevelError'
}
