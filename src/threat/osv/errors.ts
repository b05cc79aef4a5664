export class InvalidOsvRecordError extends Error {
  override name = 'InvalidOsvRecordError'
}
