/**
 * The simulated network between seeds. Every message is already bytes (the
 * real codec's output); the network decides when, whether and how many
 * times each copy arrives. Faults: directed links cut (a symmetric
 * partition cuts both directions, a one-way partition one, a bridge leaves
 * one node talking to both sides), random loss, duplication, and delay
 * with jitter, which reorders messages; long delay spikes deliver messages
 * from long-gone terms.
 */
import type { Prng } from './prng.js'

export interface NetworkConditions {
  /** Probability a copy is lost. */
  loss: number
  /** Probability a message is delivered twice. */
  duplicate: number
  /** Base one-way delay and uniform extra jitter, ms. */
  delayMs: number
  jitterMs: number
  /** Probability of a long delay, and how long at most. */
  spike: number
  spikeMs: number
}

export const CALM: NetworkConditions = { loss: 0, duplicate: 0, delayMs: 1, jitterMs: 4, spike: 0, spikeMs: 0 }

export class Network {
  conditions: NetworkConditions
  /** Cut directed links "from>to", counted so overlapping partitions heal independently. */
  private readonly cut = new Map<string, number>()
  sent = 0
  delivered = 0
  dropped = 0

  constructor (private readonly random: Prng, conditions: NetworkConditions) {
    this.conditions = { ...conditions }
  }

  /** Delivery delays (ms from now) for one message: none when it is lost or the link is cut. */
  route (from: string, to: string): number[] {
    this.sent++
    const c = this.conditions
    if (this.isCut(from, to) || this.random.chance(c.loss)) {
      this.dropped++
      return []
    }
    const copies = this.random.chance(c.duplicate) ? 2 : 1
    const out: number[] = []
    for (let i = 0; i < copies; i++) {
      let delay = c.delayMs + this.random.float() * c.jitterMs
      if (this.random.chance(c.spike)) delay += this.random.float() * c.spikeMs
      out.push(delay)
    }
    this.delivered += out.length
    return out
  }

  /** A link may be cut while a message is in flight: it is then lost on arrival. */
  isCut (from: string, to: string): boolean {
    return (this.cut.get(`${from}>${to}`) ?? 0) > 0
  }

  cutLinks (links: Array<[string, string]>): void {
    for (const [a, b] of links) this.cut.set(`${a}>${b}`, (this.cut.get(`${a}>${b}`) ?? 0) + 1)
  }

  restoreLinks (links: Array<[string, string]>): void {
    for (const [a, b] of links) {
      const n = (this.cut.get(`${a}>${b}`) ?? 0) - 1
      if (n > 0) this.cut.set(`${a}>${b}`, n)
      else this.cut.delete(`${a}>${b}`)
    }
  }

  healAll (): void {
    this.cut.clear()
  }
}

/** Links cut by a symmetric partition between two groups. */
export function symmetricCut (a: string[], b: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const x of a) for (const y of b) out.push([x, y], [y, x])
  return out
}

/** Links cut by a one-way partition: `a` cannot reach `b`, `b` still reaches `a`. */
export function oneWayCut (a: string[], b: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const x of a) for (const y of b) out.push([x, y])
  return out
}

/** A bridge: `a` and `b` cannot reach each other, but `bridge` reaches both. */
export function bridgeCut (a: string[], bridge: string, b: string[]): Array<[string, string]> {
  return symmetricCut(a.filter(x => x !== bridge), b.filter(x => x !== bridge))
}
