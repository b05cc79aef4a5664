/** A Map with a size limit: `get` refreshes an entry, `set` beyond the limit evicts the least recently used. */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>()

  constructor (private readonly maxEntries: number) {}

  get size (): number { return this.map.size }

  get (key: K): V | undefined {
    const value = this.map.get(key)
    if (value !== undefined) {
      this.map.delete(key)
      this.map.set(key, value)
    }
    return value
  }

  /** Store `value`; returns what was evicted to make room, if anything. */
  set (key: K, value: V): Array<[K, V]> {
    this.map.delete(key)
    this.map.set(key, value)
    const evicted: Array<[K, V]> = []
    for (const entry of this.map) {
      if (this.map.size <= this.maxEntries) break
      this.map.delete(entry[0])
      evicted.push(entry)
    }
    return evicted
  }

  delete (key: K): boolean {
    return this.map.delete(key)
  }

  values (): IterableIterator<V> {
    return this.map.values()
  }

  clear (): void {
    this.map.clear()
  }
}
