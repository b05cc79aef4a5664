/**
 * A binary heap whose entries know their position, so one can be removed or
 * re-keyed in O(log n). GDSF and Belady keep their cached blobs in one.
 */

export interface HeapEntry {
  /** Index in the heap's array; maintained by the heap. */
  pos: number
}

export class IndexedHeap<T extends HeapEntry> {
  private readonly items: T[] = []
  /** `before(a, b)`: a comes out first. */
  constructor (private readonly before: (a: T, b: T) => boolean) {}

  get size (): number {
    return this.items.length
  }

  push (entry: T): void {
    entry.pos = this.items.length
    this.items.push(entry)
    this.up(entry.pos)
  }

  peek (): T | undefined {
    return this.items[0]
  }

  pop (): T | undefined {
    const top = this.items[0]
    if (top !== undefined) this.remove(top)
    return top
  }

  remove (entry: T): void {
    const last = this.items.pop()
    if (last === undefined || last === entry) return
    const at = entry.pos
    this.items[at] = last
    last.pos = at
    this.update(last)
  }

  /** Restore order after `entry`'s key changed. */
  update (entry: T): void {
    this.up(entry.pos)
    this.down(entry.pos)
  }

  /**
   * The first entry in heap order that `skip` refuses, or undefined. The
   * heap is left as it was (same entries); costs O((k + 1) log n) for k
   * skipped entries, and the skipped ones are few (a request's protected blobs).
   */
  firstNot (skip: (entry: T) => boolean): T | undefined {
    const top = this.items[0]
    if (top === undefined || !skip(top)) return top
    const skipped: T[] = []
    let found: T | undefined
    while (true) {
      const next = this.pop()
      if (next === undefined) break
      if (!skip(next)) {
        found = next
        this.push(next)
        break
      }
      skipped.push(next)
    }
    for (const entry of skipped) this.push(entry)
    return found
  }

  private up (i: number): void {
    const items = this.items
    const entry = items[i] as T
    while (i > 0) {
      const parentAt = (i - 1) >> 1
      const parent = items[parentAt] as T
      if (!this.before(entry, parent)) break
      items[i] = parent
      parent.pos = i
      i = parentAt
    }
    items[i] = entry
    entry.pos = i
  }

  private down (i: number): void {
    const items = this.items
    const n = items.length
    const entry = items[i] as T
    while (true) {
      const left = 2 * i + 1
      if (left >= n) break
      const right = left + 1
      let child = left
      if (right < n && this.before(items[right] as T, items[left] as T)) child = right
      const c = items[child] as T
      if (!this.before(c, entry)) break
      items[i] = c
      c.pos = i
      i = child
    }
    items[i] = entry
    entry.pos = i
  }
}
