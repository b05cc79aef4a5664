/**
 * The FP-tree of FP-Growth (Han, Pei & Yin, 2000): transactions as paths of
 * item ids from the root, shared prefixes merged, each node counting the
 * transactions through it. Items are small integers in one fixed order
 * along every path (the caller's order: most frequent first), and each item
 * keeps the list of its nodes so its conditional pattern base is read by
 * walking up from them. Arrays rather than node objects: a tree of a
 * million nodes is a few flat arrays, not a million objects.
 */
export class FpTree {
  /** Node 0 is the root; `item[n]` is -1 there. */
  readonly item: number[] = [-1]
  readonly count: number[] = [0]
  readonly parent: number[] = [-1]
  /** The nodes of each item id. */
  readonly nodesOf: number[][]
  /** Each item's count over all its nodes. */
  readonly itemCount: number[]
  private readonly children = new Map<number, number>()

  /** `items` ids run from 0 to `items - 1`; a path must list them in increasing order. */
  constructor (readonly items: number) {
    this.nodesOf = Array.from({ length: items }, () => [])
    this.itemCount = new Array<number>(items).fill(0)
  }

  /** Add the first `length` ids of `path` (increasing) as `count` transactions. */
  insert (path: ArrayLike<number>, length: number, count: number): void {
    let node = 0
    for (let i = 0; i < length; i++) {
      const id = path[i] as number
      // parent * items + id is unique per edge and exact: nodes and items are both bounded (RULES_MAX_TOTAL_ITEMS)
      const key = node * this.items + id
      let child = this.children.get(key)
      if (child === undefined) {
        child = this.item.length
        this.item.push(id)
        this.count.push(0)
        this.parent.push(node)
        this.children.set(key, child)
        ;(this.nodesOf[id] as number[]).push(child)
      }
      this.count[child] = (this.count[child] as number) + count
      this.itemCount[id] = (this.itemCount[id] as number) + count
      node = child
    }
  }
}
