import t from 'tap'
import { encodeConfig } from '../../../src/quorum/raft/config.js'
import { MAX_ENTRIES_PER_MESSAGE, MESSAGE_MAX_BYTES, decodeMessage, encodeMessage } from '../../../src/quorum/raft/index.js'
import { RaftMessage, MessageType } from '../../../src/quorum/raft/raft-messages.js'
import type { Entry, Message } from '../../../src/quorum/raft/index.js'

const entry = (index: number, term: number, kind: Entry['kind'] = 'command', data: Uint8Array = new Uint8Array([index])): Entry => ({ index, term, kind, data })

const SAMPLES: Message[] = [
  { type: 'vote', from: 'a', to: 'b', term: 5, lastIndex: 10, lastTerm: 4 },
  { type: 'pre-vote', from: 'a', to: 'b', term: 6, lastIndex: 10, lastTerm: 4 },
  { type: 'vote-response', from: 'b', to: 'a', term: 5, granted: true },
  { type: 'pre-vote-response', from: 'b', to: 'a', term: 5, granted: false },
  { type: 'append', from: 'a', to: 'b', term: 5, prevIndex: 9, prevTerm: 4, commit: 8, entries: [entry(10, 4), entry(11, 5, 'noop', new Uint8Array(0)), entry(12, 5, 'config', encodeConfig({ voters: ['a', 'b'] }))] },
  { type: 'append', from: 'a', to: 'b', term: 5, prevIndex: 0, prevTerm: 0, commit: 0, entries: [] },
  { type: 'append-response', from: 'b', to: 'a', term: 5, index: 9, reject: true, hintIndex: 7, hintTerm: 3 },
  { type: 'heartbeat', from: 'a', to: 'b', term: 5, commit: 8, context: 'read-1' },
  { type: 'heartbeat-response', from: 'b', to: 'a', term: 5, context: '' },
  { type: 'snapshot', from: 'a', to: 'b', term: 5, snapshot: { index: 40, term: 4, config: { voters: ['a', 'b', 'c'] }, data: new Uint8Array([1, 2, 3]) } },
  { type: 'read-index', from: 'b', to: 'a', term: 5, context: 'r' },
  { type: 'read-index-response', from: 'a', to: 'b', term: 5, context: 'r', index: 8 }
]

t.test('every message type survives a round trip unchanged', async t => {
  for (const m of SAMPLES) t.same(decodeMessage(encodeMessage(m)), m, m.type)
})

t.test('limits: too large or too many is a MessageTooLargeError, on both ends', async t => {
  const many: Message = { type: 'append', from: 'a', to: 'b', term: 5, prevIndex: 0, prevTerm: 0, commit: 0, entries: Array.from({ length: MAX_ENTRIES_PER_MESSAGE + 1 }, (_, i) => entry(i + 1, 1)) }
  t.throws(() => encodeMessage(many), { name: 'MessageTooLargeError' }, 'we never send what a peer refuses')
  const wire = RaftMessage.encode({ type: MessageType.APPEND, from: 'a', to: 'b', term: 5, entries: many.type === 'append' ? many.entries.map(e => ({ ...e, kind: 'COMMAND' as never, data: e.data as Uint8Array<ArrayBuffer> })) : [] })
  t.throws(() => decodeMessage(wire), { name: 'MessageTooLargeError' })
  t.throws(() => decodeMessage(new Uint8Array(MESSAGE_MAX_BYTES + 1)), { name: 'MessageTooLargeError' })
  const bigEntry: Message = { type: 'append', from: 'a', to: 'b', term: 5, prevIndex: 0, prevTerm: 0, commit: 0, entries: [entry(1, 1, 'command', new Uint8Array(65 * 1024))] }
  t.throws(() => encodeMessage(bigEntry), { name: 'MessageTooLargeError' })
})

t.test('well-formed protobuf that is not a sane Raft message is a MalformedMessageError', async t => {
  const bad: Array<[string, Message]> = [
    ['a gap in the entries', { type: 'append', from: 'a', to: 'b', term: 5, prevIndex: 1, prevTerm: 1, commit: 0, entries: [entry(3, 2)] }],
    ['an entry from a later term than its message', { type: 'append', from: 'a', to: 'b', term: 5, prevIndex: 0, prevTerm: 0, commit: 0, entries: [entry(1, 6)] }],
    ['terms going down', { type: 'append', from: 'a', to: 'b', term: 5, prevIndex: 1, prevTerm: 3, commit: 0, entries: [entry(2, 2)] }],
    ['a configuration entry that is not one', { type: 'append', from: 'a', to: 'b', term: 5, prevIndex: 0, prevTerm: 0, commit: 0, entries: [entry(1, 1, 'config', new Uint8Array([0xff, 0xff]))] }],
    ['an empty sender', { type: 'vote', from: '', to: 'b', term: 5, lastIndex: 0, lastTerm: 0 }],
    ['a candidate log term beyond its term', { type: 'vote', from: 'a', to: 'b', term: 2, lastIndex: 9, lastTerm: 3 }],
    ['a snapshot without voters', { type: 'snapshot', from: 'a', to: 'b', term: 5, snapshot: { index: 3, term: 2, config: { voters: [] }, data: new Uint8Array(0) } }],
    ['a read without context', { type: 'read-index', from: 'b', to: 'a', term: 5, context: '' }],
    ['a negative index', { type: 'read-index-response', from: 'a', to: 'b', term: 5, context: 'r', index: -1 }]
  ]
  for (const [what, m] of bad) t.throws(() => encodeMessage(m), { name: 'MalformedMessageError' }, `encode: ${what}`)
  // The same through raw protobuf, as a peer could send it.
  const raw = (o: Partial<RaftMessage>): Uint8Array => RaftMessage.encode({ from: 'a', to: 'b', term: 5, ...o })
  t.throws(() => decodeMessage(raw({ type: MessageType.SNAPSHOT })), { name: 'MalformedMessageError' }, 'a snapshot message without a snapshot')
  t.throws(() => decodeMessage(raw({ type: MessageType.VOTE, entries: [{ index: 1, term: 1, kind: 'COMMAND' as never, data: new Uint8Array(1) }] })), { name: 'MalformedMessageError' }, 'entries on a vote')
  t.throws(() => decodeMessage(raw({ type: MessageType.APPEND, index: 0, entries: [{ index: 2, term: 1, kind: 'COMMAND' as never, data: new Uint8Array(1) }] })), { name: 'MalformedMessageError' }, 'a gap, from the wire')
  const unknownType = new Uint8Array([8, 99, 18, 1, 97, 26, 1, 98])
  t.throws(() => decodeMessage(unknownType), { name: 'MalformedMessageError' }, 'an unknown message type')
})

t.test('garbage never escapes as anything but a typed error (seeded fuzz)', async t => {
  let x = 12345
  const next = (): number => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return x }
  const valid = SAMPLES.map(encodeMessage)
  const names = new Map<string, number>()
  for (let i = 0; i < 3000; i++) {
    let bytes: Uint8Array
    if (i % 3 === 0) {
      bytes = new Uint8Array(next() % 64).map(() => next() & 0xff)
    } else {
      // Mutate a valid message: flip bytes, or cut it short.
      const base = valid[next() % valid.length]!
      bytes = base.slice(0, i % 3 === 1 ? next() % (base.length + 1) : base.length)
      for (let k = 0; k < 1 + (next() % 4) && bytes.length > 0; k++) bytes[next() % bytes.length] = next() & 0xff
    }
    try {
      const m = decodeMessage(bytes)
      t.same(decodeMessage(encodeMessage(m)), m, 'whatever decodes re-encodes to itself')
      names.set('decoded', (names.get('decoded') ?? 0) + 1)
    } catch (err) {
      const name = (err as Error).name
      names.set(name, (names.get(name) ?? 0) + 1)
      if (name !== 'MalformedMessageError' && name !== 'MessageTooLargeError') t.fail(`input ${i} threw ${name}: ${(err as Error).message}`)
    }
  }
  t.ok((names.get('MalformedMessageError') ?? 0) > 100, `mostly refused: ${JSON.stringify(Object.fromEntries(names))}`)
})
