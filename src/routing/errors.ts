export class ProvideQueueFullError extends Error {
  override name = 'ProvideQueueFullError'
}
