export class InvalidFeedError extends Error {
  override name = 'InvalidFeedError'
}
