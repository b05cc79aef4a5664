/**
 * The request ids already applied, with their results, oldest forgotten
 * first once there are `max`. Insertion order is the apply order, so every
 * seed forgets the same ids at the same index: dedup stays deterministic.
 */
import { CorruptTargetsSnapshotError } from './errors.js'

export interface RequestResult {
  /** The log index the request was first applied at. */
  index: number
  /** Targets it changed then. */
  changed: number
}

export class RequestLog {
  private readonly byId = new Map<string, RequestResult>()

  constructor (private readonly max: number) {}

  get (id: string): RequestResult | undefined {
    return this.byId.get(id)
  }

  add (id: string, result: RequestResult): void {
    this.byId.set(id, result)
    while (this.byId.size > this.max) {
      const oldest = this.byId.keys().next().value as string
      this.byId.delete(oldest)
    }
  }

  /** Oldest first: `[id, index, changed]`. */
  entries (): Array<[string, number, number]> {
    return [...this.byId].map(([id, r]) => [id, r.index, r.changed])
  }

  static fromEntries (raw: unknown, max: number): RequestLog {
    const log = new RequestLog(max)
    if (!Array.isArray(raw)) throw new CorruptTargetsSnapshotError('request ids must be an array')
    for (const e of raw) {
      const [id, index, changed] = (Array.isArray(e) ? e : []) as [unknown, unknown, unknown]
      if (typeof id !== 'string' || id.length === 0 || !Number.isSafeInteger(index) || !Number.isSafeInteger(changed)) {
        throw new CorruptTargetsSnapshotError(`bad request id entry ${JSON.stringify(e)}`)
      }
      log.add(id, { index: index as number, changed: changed as number })
    }
    return log
  }
}
