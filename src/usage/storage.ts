/**
 * What a usage log needs of its storage: strings under sortable keys, read
 * by key or by range, and changed in atomic batches. LevelDB gives all of it;
 * the in-memory twin imitates it. Events and their roll-ups change together
 * in one batch, so the atomicity of `applyBatch` is what keeps them agreeing.
 */

export interface KeyRange {
  gte?: string
  lt?: string
  /** Newest first. */
  reverse?: boolean
}

export type BatchOp = { type: 'put', key: string, value: string } | { type: 'del', key: string }

export interface UsageStorage {
  /** The value of each key, undefined where there is none. */
  getValues (keys: string[]): Promise<Array<string | undefined>>
  /** Every operation, or none of them. */
  applyBatch (ops: BatchOp[]): Promise<void>
  /** Entries in key order (or reverse). Must stop cleanly when the consumer stops early. */
  readEntries (range: KeyRange): AsyncIterable<[string, string]>
  readKeys (range: KeyRange): AsyncIterable<string>
}
