/**
 * The store's key layout (utf8 keys, `␀` = U+0000 separating parts; feed
 * names, ids and package keys never contain control characters, which the
 * sources refuse):
 *
 *   s                          {"id","n"}: the store's id and change counter (`generation()`)
 *   f␀<feed>                   FeedMeta (JSON) of a committed feed
 *   e␀<feed>␀<id>              an entry: OSV `{"m":modified,"k":[package keys]}`;
 *                              KEV entry, EPSS score or malware hash (JSON) as lookups read it
 *   a␀<package key>␀<feed>␀<id>  an OSV record (parsed, JSON) under each `recordKey` it affects
 *   t␀<feed>␀<id>              an update's staged entry: "" = unchanged, else `<entry>\n<record>`
 *   c␀<feed>                   an update past its commit point: the FeedMeta to finish with
 *   p␀<feed>                   {"kind"}: the feed's entries are to be deleted (removed, or an add
 *                              that did not finish)
 *
 * Lookups read `a` (a range per package key) and `e` (getMany) of committed
 * feeds only, so entries written for an unfinished add are never seen.
 */

const SEP = '\u0000'
const END = '\u0001'

export interface KeyRange { gte: string, lt: string }

function range (prefix: string): KeyRange {
  return { gte: prefix + SEP, lt: prefix + END }
}

export const STORE_KEY = 's'

export const feedKey = (feed: string): string => `f${SEP}${feed}`
export const FEEDS = range('f')

export const entryKey = (feed: string, id: string): string => `e${SEP}${feed}${SEP}${id}`
export const entries = (feed: string): KeyRange => range(`e${SEP}${feed}`)

export const advisoryKey = (packageKey: string, feed: string, id: string): string => `a${SEP}${packageKey}${SEP}${feed}${SEP}${id}`
export const advisories = (packageKey: string): KeyRange => range(`a${SEP}${packageKey}`)

export const stagedKey = (feed: string, id: string): string => `t${SEP}${feed}${SEP}${id}`
export const staged = (feed: string): KeyRange => range(`t${SEP}${feed}`)
export const ALL_STAGED = range('t')

export const commitKey = (feed: string): string => `c${SEP}${feed}`
export const COMMITS = range('c')

export const purgeKey = (feed: string): string => `p${SEP}${feed}`
export const PURGES = range('p')

/** The last part of a key (the id of `e`, `t` and `a` keys, the feed of `f`, `c` and `p` keys). */
export function lastPart (key: string): string {
  return key.slice(key.lastIndexOf(SEP) + 1)
}

/** The feed of an `a` key. */
export function advisoryFeed (key: string): string {
  const end = key.lastIndexOf(SEP)
  return key.slice(key.lastIndexOf(SEP, end - 1) + 1, end)
}

/** The feed of a `t` key. */
export function stagedFeed (key: string): string {
  return key.slice(2, key.indexOf(SEP, 2))
}

/** Ids, names and package keys go into keys: no control characters. */
export function keySafe (s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u001f]/.test(s)
}
