/** The no-prefetch baseline: learns nothing, suggests nothing (the same as running without a prefetcher). */
import type { PrefetchCandidate, Prefetcher } from '../index.js'

export class NonePrefetcher implements Prefetcher {
  readonly name = 'none'

  observe (): void {}

  suggest (): PrefetchCandidate[] {
    return []
  }
}
