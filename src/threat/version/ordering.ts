/** The result of every comparison here: `a` sorts before, with or after `b`. */
export type Ordering = -1 | 0 | 1

/** The sign of a C-style comparison result. */
export function sign (n: number): Ordering {
  return n < 0 ? -1 : n > 0 ? 1 : 0
}
