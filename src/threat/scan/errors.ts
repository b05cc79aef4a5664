/** What was named for a scan cannot be scanned: the message says what it is and what is wrong. */
export class ScanTargetError extends Error {
  override name = 'ScanTargetError'
}
