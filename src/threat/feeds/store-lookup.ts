/**
 * The `ThreatLookup` reads of the feed store, over committed feeds only.
 * Advisories come from a range read of one package key across every OSV
 * feed; a record that several feeds carry is returned once, the copy with
 * the latest `modified`. KEV, EPSS and malware are point reads (`getMany`)
 * of `e␀<feed>␀<id>` for every feed of that kind.
 */
import { MAX_ADVISORIES_PER_KEY } from './constants.js'
import { advisories as advisoryRange, advisoryFeed, entryKey } from './store-keys.js'
import type { FeedDb } from './store-writes.js'
import type { FeedKind, FeedMeta, FeedStoreLogger } from './store-types.js'
import type { Advisory } from '../lookup.js'
import type { MalwareHash } from './lists.js'
import type { OsvRecord } from '../osv/index.js'
import { recordKey } from '../match.js'

export interface LookupContext {
  db: FeedDb
  /** Committed feeds by name. */
  feeds: ReadonlyMap<string, FeedMeta>
  logger: FeedStoreLogger
}

function feedsOf (ctx: LookupContext, kind: FeedKind): FeedMeta[] {
  return [...ctx.feeds.values()].filter(f => f.kind === kind)
}

export async function lookupAdvisories (ctx: LookupContext, key: string): Promise<Advisory[]> {
  const best = new Map<string, OsvRecord>()
  let n = 0
  for await (const [k, value] of ctx.db.iterator(advisoryRange(key))) {
    if (ctx.feeds.get(advisoryFeed(k))?.kind !== 'osv') continue
    if (++n > MAX_ADVISORIES_PER_KEY) {
      ctx.logger.warn({ key, limit: MAX_ADVISORIES_PER_KEY }, 'threat feeds: more advisories for one package than the limit; the rest are ignored')
      break
    }
    let record: OsvRecord
    try {
      record = JSON.parse(value) as OsvRecord
    } catch (err) {
      ctx.logger.error({ key: k, err }, 'threat feeds: a stored advisory does not decode; skipped')
      continue
    }
    const held = best.get(record.id)
    if (held == null || Date.parse(record.modified) > Date.parse(held.modified)) best.set(record.id, record)
  }
  const out: Advisory[] = []
  for (const record of best.values()) {
    for (const affected of record.affected) {
      if (recordKey(affected.ecosystem, affected.name) === key) out.push({ record, affected })
    }
  }
  return out
}

/** For each id, the values stored for it by feeds of `kind`, in feed order. */
async function pointReads (ctx: LookupContext, kind: FeedKind, ids: string[]): Promise<Map<string, string[]>> {
  const feeds = feedsOf(ctx, kind)
  const out = new Map<string, string[]>()
  if (feeds.length === 0 || ids.length === 0) return out
  const unique = [...new Set(ids)]
  const values = await ctx.db.getMany(feeds.flatMap(f => unique.map(id => entryKey(f.name, id))))
  values.forEach((v, i) => {
    if (v == null) return
    const id = unique[i % unique.length] as string
    out.set(id, [...(out.get(id) ?? []), v])
  })
  return out
}

export async function lookupKev (ctx: LookupContext, ids: string[]): Promise<Set<string>> {
  return new Set((await pointReads(ctx, 'kev', ids)).keys())
}

export async function lookupEpss (ctx: LookupContext, ids: string[]): Promise<Map<string, number>> {
  // several EPSS feeds: the newest score wins
  const newestFirst = new Map([...ctx.feeds].sort(([, a], [, b]) => (b.date ?? '').localeCompare(a.date ?? '')))
  const found = await pointReads({ ...ctx, feeds: newestFirst }, 'epss', ids)
  const out = new Map<string, number>()
  for (const [id, values] of found) {
    const epss = (JSON.parse(values[0] as string) as { epss: number }).epss
    out.set(id, epss)
  }
  return out
}

export async function lookupMalware (ctx: LookupContext, sha256s: string[]): Promise<Map<string, MalwareHash>> {
  const found = await pointReads(ctx, 'malware', sha256s)
  const out = new Map<string, MalwareHash>()
  for (const [sha, values] of found) {
    const hashes = values.map(v => JSON.parse(v) as MalwareHash)
    // the entry that names the malware, when some list does
    out.set(sha, hashes.find(h => h.signature != null) ?? hashes[0] as MalwareHash)
  }
  return out
}
