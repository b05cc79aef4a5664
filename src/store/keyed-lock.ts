/**
 * One-at-a-time per key: operations on the same shard (or blob) run in call
 * order, operations on different keys run freely. Entries are dropped when the
 * last waiter leaves, so the map holds only keys in use.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>()

  async run<T> (key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    let release!: () => void
    const mine = new Promise<void>(resolve => { release = resolve })
    const tail = previous.then(async () => mine)
    this.tails.set(key, tail)
    try {
      await previous
      return await fn()
    } finally {
      release()
      if (this.tails.get(key) === tail) this.tails.delete(key)
    }
  }

  get size (): number {
    return this.tails.size
  }
}
