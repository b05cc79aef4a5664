/** A FIFO of events waiting to be written: O(1) push and shift, bounded by its owner. */

export interface QueuedEvent<T> {
  key: string
  event: T
}

export class EventQueue<T> {
  private items: Array<QueuedEvent<T> | undefined> = []
  private head = 0

  get length (): number {
    return this.items.length - this.head
  }

  push (item: QueuedEvent<T>): void {
    this.items.push(item)
  }

  shift (): QueuedEvent<T> | undefined {
    if (this.head >= this.items.length) return undefined
    const item = this.items[this.head]
    this.items[this.head++] = undefined
    this.compact()
    return item
  }

  /** Remove and return up to `n` items from the front. */
  take (n: number): Array<QueuedEvent<T>> {
    const end = Math.min(this.items.length, this.head + n)
    const out = this.items.slice(this.head, end) as Array<QueuedEvent<T>>
    this.head = end
    this.compact()
    return out
  }

  /** Keep the backing array from growing without bound as the head moves on. */
  private compact (): void {
    if (this.head === this.items.length) {
      this.items = []
      this.head = 0
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
  }
}
