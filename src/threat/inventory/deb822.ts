/**
 * RFC 822-style paragraphs as dpkg and Python's core metadata write them:
 * `Field: value` lines, continuation lines starting with a space or tab,
 * paragraphs separated by blank lines. Field names are matched without case.
 * A line that is neither (no colon, or a continuation with no field before
 * it) is dropped: dpkg would refuse the whole file, but an inventory does
 * better to keep the paragraph's other fields, and a paragraph that lost its
 * name or version is skipped (and counted) by the caller.
 */

export interface Paragraph {
  /** Lower-cased field name to value (continuation lines joined with '\n'). */
  fields: Map<string, string>
}

export function parseParagraphs (text: string, options: { first?: boolean } = {}): Paragraph[] {
  const paragraphs: Paragraph[] = []
  let current: Paragraph | undefined
  let last: string | undefined
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      if (current != null) {
        paragraphs.push(current)
        if (options.first === true) return paragraphs
      }
      current = undefined
      last = undefined
      continue
    }
    current ??= { fields: new Map() }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (last !== undefined) current.fields.set(last, `${current.fields.get(last) ?? ''}\n${line.trim()}`)
      continue
    }
    if (line.startsWith('#')) continue
    const colon = line.indexOf(':')
    if (colon <= 0) {
      last = undefined
      continue
    }
    last = line.slice(0, colon).trim().toLowerCase()
    current.fields.set(last, line.slice(colon + 1).trim())
  }
  if (current != null) paragraphs.push(current)
  return paragraphs
}
