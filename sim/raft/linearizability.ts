/**
 * Linearizability of one register's history (Wing & Gong's search with
 * Lowe's memoization, as Porcupine does it). Each operation has a call and
 * a return time; the history is linearizable when some order of the
 * operations respects real time (an operation that returned before another
 * was called comes first) and the register's semantics (a read returns the
 * last write before it). Operations that never returned may have taken
 * effect at any time after their call, or not at all.
 *
 * The replica-target map is checked key by key: linearizability is local
 * (Herlihy & Wing), so a per-key check is exact for per-key operations.
 */

export type RegisterValue = string | null

export interface RegisterOp {
  kind: 'write' | 'read'
  /** Written, or returned by the read. */
  value: RegisterValue
  call: number
  /** Infinity when the operation never returned. */
  ret: number
  /** For messages: which client operation this was. */
  label: string
}

export type LinearizabilityResult =
  | { ok: true }
  | { ok: false, reason: 'not linearizable' | 'search limit', explored: number }

interface Node {
  op: number
  isCall: boolean
  time: number
  match?: Node
  prev?: Node
  next?: Node
}

/** Search for a linearization, visiting at most `maxSteps` states. */
export function checkRegister (history: RegisterOp[], initial: RegisterValue = null, maxSteps = 1_000_000): LinearizabilityResult {
  // Reads that never returned tell us nothing: drop them.
  const ops = history.filter(o => !(o.kind === 'read' && o.ret === Infinity))
  if (ops.length === 0) return { ok: true }
  const head = buildList(ops)
  const linearized = new Uint8Array(ops.length)
  const seen = new Set<string>()
  const stack: Array<{ node: Node, state: RegisterValue }> = []
  let state = initial
  let entry: Node | undefined = head.next
  let steps = 0
  while (head.next != null) {
    if (++steps > maxSteps) return { ok: false, reason: 'search limit', explored: steps }
    if (entry == null) return { ok: false, reason: 'not linearizable', explored: steps }
    if (entry.isCall) {
      const op = ops[entry.op]!
      const ok = op.kind === 'write' || op.value === state
      if (ok) {
        const next = op.kind === 'write' ? op.value : state
        linearized[entry.op] = 1
        const key = `${stateKey(next)}|${bitsKey(linearized)}`
        if (!seen.has(key)) {
          seen.add(key)
          stack.push({ node: entry, state })
          state = next
          lift(entry)
          entry = head.next
          continue
        }
        linearized[entry.op] = 0
      }
      entry = entry.next
    } else {
      // An operation returned before we could place it: undo the last choice.
      const top = stack.pop()
      if (top == null) return { ok: false, reason: 'not linearizable', explored: steps }
      state = top.state
      linearized[top.node.op] = 0
      unlift(top.node)
      entry = top.node.next
    }
  }
  return { ok: true }
}

function buildList (ops: RegisterOp[]): Node {
  const events: Node[] = []
  ops.forEach((o, i) => {
    const call: Node = { op: i, isCall: true, time: o.call }
    const ret: Node = { op: i, isCall: false, time: o.ret }
    call.match = ret
    events.push(call, ret)
  })
  // Calls before returns at equal times: equal stamps mean concurrent.
  events.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.op - b.op : a.isCall ? -1 : 1))
  const head: Node = { op: -1, isCall: false, time: -Infinity }
  let prev = head
  for (const e of events) {
    prev.next = e
    e.prev = prev
    prev = e
  }
  return head
}

/** Take a call and its return out of the list. */
function lift (call: Node): void {
  call.prev!.next = call.next
  if (call.next != null) call.next.prev = call.prev
  const ret = call.match!
  ret.prev!.next = ret.next
  if (ret.next != null) ret.next.prev = ret.prev
}

/** Put them back, in the reverse order. */
function unlift (call: Node): void {
  const ret = call.match!
  ret.prev!.next = ret
  if (ret.next != null) ret.next.prev = ret
  call.prev!.next = call
  if (call.next != null) call.next.prev = call
}

function stateKey (v: RegisterValue): string {
  return v === null ? '\u0000' : v
}

function bitsKey (bits: Uint8Array): string {
  let s = ''
  // 15 bits a character keeps every code unit a plain BMP character.
  for (let i = 0; i < bits.length; i += 15) {
    let word = 0
    for (let j = 0; j < 15 && i + j < bits.length; j++) word |= bits[i + j]! << j
    s += String.fromCharCode(word + 1)
  }
  return s
}
