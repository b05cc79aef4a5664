/**
 * The simulation's future: events ordered by time, and by insertion among
 * equal times (so the order never depends on the heap's internals). A
 * binary heap: push and pop are O(log n).
 */
export class EventQueue<T> {
  private readonly heap: Array<{ at: number, seq: number, event: T }> = []
  private seq = 0

  get size (): number { return this.heap.length }

  push (at: number, event: T): void {
    const item = { at, seq: this.seq++, event }
    const h = this.heap
    h.push(item)
    let i = h.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(h[i]!, h[parent]!)) break
      ;[h[i], h[parent]] = [h[parent]!, h[i]!]
      i = parent
    }
  }

  pop (): { at: number, event: T } | undefined {
    const h = this.heap
    if (h.length === 0) return undefined
    const top = h[0]!
    const last = h.pop()!
    if (h.length > 0) {
      h[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && before(h[l]!, h[m]!)) m = l
        if (r < h.length && before(h[r]!, h[m]!)) m = r
        if (m === i) break
        ;[h[i], h[m]] = [h[m]!, h[i]!]
        i = m
      }
    }
    return { at: top.at, event: top.event }
  }
}

function before (a: { at: number, seq: number }, b: { at: number, seq: number }): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq)
}
