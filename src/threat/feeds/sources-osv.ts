/**
 * OSV records as feed items, from a JSON file (one record, or a list of
 * them), a directory tree of JSON files, or a zip export. Each record is
 * checked against the OSV JSON Schema, then parsed for what matching needs;
 * a record failing either is skipped with the reason (a bad record in a
 * feed of thousands must not lose the rest). A record in a directory or zip
 * that is not JSON at all is skipped the same way; a single-file feed that
 * is not JSON is an error, since nothing of it can be used.
 */
import { readFile } from 'node:fs/promises'
import { parseOsvRecord } from '../osv/index.js'
import { osvSchemaCheck } from '../osv/schema.js'
import { recordKey } from '../match.js'
import { MAX_JSON_FILE_BYTES, MAX_RECORD_BYTES } from './constants.js'
import { FeedSourceError } from './errors.js'
import { keySafe } from './store-keys.js'
import { walkJsonFiles } from './sources-walk.js'
import { zipJsonEntries } from './sources-zip.js'
import { readBounded, readHead } from './sources-read.js'
import type { FeedItem } from './store-types.js'

const ZIP_MAGIC = Buffer.from('PK\u0003\u0004', 'latin1')
const EMPTY_ZIP_MAGIC = Buffer.from('PK\u0005\u0006', 'latin1')

/** One raw record (already JSON-decoded) as a feed item. */
export function osvItem (value: unknown, where: string): FeedItem {
  const reason = osvSchemaCheck()(value)
  if (reason != null) return { type: 'skipped', where: recordName(value, where), reason: `fails the OSV schema: ${reason}` }
  let record
  try {
    record = parseOsvRecord(value)
  } catch (err) {
    return { type: 'skipped', where: recordName(value, where), reason: (err as Error).message }
  }
  if (record.withdrawn != null) return { type: 'withdrawn', id: record.id }
  const keys = [...new Set(record.affected.map(a => recordKey(a.ecosystem, a.name)))]
  if (!keySafe(record.id) || !keys.every(keySafe)) return { type: 'skipped', where: recordName(value, where), reason: 'control characters in the id or a package name' }
  return {
    type: 'entry',
    entry: { id: record.id, value: JSON.stringify({ m: record.modified, k: keys }), record: JSON.stringify(record), keys, date: record.modified }
  }
}

function recordName (value: unknown, where: string): string {
  const id = (value as { id?: unknown } | null)?.id
  return typeof id === 'string' ? `${where} (${id.slice(0, 100)})` : where
}

function * itemsOfText (text: string, where: string): Generator<FeedItem> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    yield { type: 'skipped', where, reason: `not JSON (truncated?): ${(err as Error).message}` }
    return
  }
  yield osvItem(value, where)
}

export async function * osvDirectoryItems (dir: string, signal?: AbortSignal): AsyncGenerator<FeedItem> {
  for await (const file of walkJsonFiles(dir, signal)) {
    if (file.sizeBytes > MAX_RECORD_BYTES) {
      yield { type: 'skipped', where: file.relative, reason: `${file.sizeBytes} bytes, over MAX_RECORD_BYTES ${MAX_RECORD_BYTES}` }
      continue
    }
    yield * itemsOfText(await readFile(file.path, 'utf8'), file.relative)
  }
}

export async function * osvFileItems (path: string, source: string, signal?: AbortSignal): AsyncGenerator<FeedItem> {
  const head = await readHead(path, 4)
  if (head.equals(ZIP_MAGIC) || head.equals(EMPTY_ZIP_MAGIC)) {
    for await (const e of zipJsonEntries(path, source, signal)) {
      if ('skipped' in e) yield { type: 'skipped', where: e.name, reason: e.skipped }
      else yield * itemsOfText(e.data.toString('utf8'), e.name)
    }
    return
  }
  const text = (await readBounded(path, source, MAX_JSON_FILE_BYTES, 'MAX_JSON_FILE_BYTES')).toString('utf8')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new FeedSourceError(source, `not JSON (truncated?): ${(err as Error).message}`, { cause: err })
  }
  const list = Array.isArray(value) ? value : [value]
  for (let i = 0; i < list.length; i++) {
    signal?.throwIfAborted()
    yield osvItem(list[i], Array.isArray(value) ? `[${i}]` : source)
  }
}
