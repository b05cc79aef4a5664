import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export enum MessageType {
  VOTE = 'VOTE',
  VOTE_RESPONSE = 'VOTE_RESPONSE',
  PRE_VOTE = 'PRE_VOTE',
  PRE_VOTE_RESPONSE = 'PRE_VOTE_RESPONSE',
  APPEND = 'APPEND',
  APPEND_RESPONSE = 'APPEND_RESPONSE',
  HEARTBEAT = 'HEARTBEAT',
  HEARTBEAT_RESPONSE = 'HEARTBEAT_RESPONSE',
  SNAPSHOT = 'SNAPSHOT',
  READ_INDEX = 'READ_INDEX',
  READ_INDEX_RESPONSE = 'READ_INDEX_RESPONSE'
}

enum __MessageTypeValues {
  VOTE = 0,
  VOTE_RESPONSE = 1,
  PRE_VOTE = 2,
  PRE_VOTE_RESPONSE = 3,
  APPEND = 4,
  APPEND_RESPONSE = 5,
  HEARTBEAT = 6,
  HEARTBEAT_RESPONSE = 7,
  SNAPSHOT = 8,
  READ_INDEX = 9,
  READ_INDEX_RESPONSE = 10
}

export namespace MessageType {
  export const codec = (): Codec<MessageType> => {
    return enumeration<MessageType>(__MessageTypeValues)
  }
}

export enum EntryKind {
  NOOP = 'NOOP',
  COMMAND = 'COMMAND',
  CONFIG = 'CONFIG'
}

enum __EntryKindValues {
  NOOP = 0,
  COMMAND = 1,
  CONFIG = 2
}

export namespace EntryKind {
  export const codec = (): Codec<EntryKind> => {
    return enumeration<EntryKind>(__EntryKindValues)
  }
}

export interface Entry {
  index: number
  term: number
  kind: EntryKind
  data: Uint8Array<ArrayBuffer>
}

export namespace Entry {
  let _codec: Codec<Entry>

  export const codec = (): Codec<Entry> => {
    if (_codec == null) {
      _codec = message<Entry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.index)
        }

        if ((obj.term != null && obj.term !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.term)
        }

        if (obj.kind != null && __EntryKindValues[obj.kind] !== 0) {
          w.uint32(24)
          EntryKind.codec().encode(obj.kind, w)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.data)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          index: 0,
          term: 0,
          kind: EntryKind.NOOP,
          data: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.index = reader.uint64Number()
              break
            }
            case 2: {
              obj.term = reader.uint64Number()
              break
            }
            case 3: {
              obj.kind = EntryKind.codec().decode(reader)
              break
            }
            case 4: {
              obj.data = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.index`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.term`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.kind`,
                value: EntryKind.codec().decode(reader)
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.data`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface EntryIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface EntryTermFieldEvent {
    field: '$.term'
    value: number
  }

  export interface EntryKindFieldEvent {
    field: '$.kind'
    value: EntryKind
  }

  export interface EntryDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Entry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Entry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Entry>): Entry {
    return decodeMessage(buf, Entry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Entry>): Generator<EntryIndexFieldEvent | EntryTermFieldEvent | EntryKindFieldEvent | EntryDataFieldEvent> {
    return streamMessage(buf, Entry.codec(), opts)
  }
}

export interface ClusterConfig {
  voters: string[]
}

export namespace ClusterConfig {
  let _codec: Codec<ClusterConfig>

  export const codec = (): Codec<ClusterConfig> => {
    if (_codec == null) {
      _codec = message<ClusterConfig>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.voters != null && obj.voters.length > 0) {
          for (const value of obj.voters) {
            w.uint32(10)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          voters: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.voters != null && obj.voters.length === opts.limits.voters) {
                throw new MaxLengthError('Decode error - repeated field "voters" had too many elements')
              }

              obj.voters.push(reader.string())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          voters: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.voters != null && obj.voters === opts.limits.voters) {
                throw new MaxLengthError('Streaming decode error - repeated field "voters" had too many elements')
              }

              yield {
                field: `${prefix}.voters[]`,
                index: obj.voters,
                value: reader.string()
              }

              obj.voters++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ClusterConfigVotersFieldEvent {
    field: '$.voters[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<ClusterConfig>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ClusterConfig.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClusterConfig>): ClusterConfig {
    return decodeMessage(buf, ClusterConfig.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClusterConfig>): Generator<ClusterConfigVotersFieldEvent> {
    return streamMessage(buf, ClusterConfig.codec(), opts)
  }
}

export interface Snapshot {
  index: number
  term: number
  config?: ClusterConfig
  data: Uint8Array<ArrayBuffer>
}

export namespace Snapshot {
  let _codec: Codec<Snapshot>

  export const codec = (): Codec<Snapshot> => {
    if (_codec == null) {
      _codec = message<Snapshot>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.index)
        }

        if ((obj.term != null && obj.term !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.term)
        }

        if (obj.config != null) {
          w.uint32(26)
          ClusterConfig.codec().encode(obj.config, w)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.data)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          index: 0,
          term: 0,
          data: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.index = reader.uint64Number()
              break
            }
            case 2: {
              obj.term = reader.uint64Number()
              break
            }
            case 3: {
              obj.config = ClusterConfig.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.config
              })
              break
            }
            case 4: {
              obj.data = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.index`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.term`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield * ClusterConfig.codec().stream(reader, reader.uint32(), `${prefix}.config`, {
                limits: opts.limits?.config
              })

              break
            }
            case 4: {
              yield {
                field: `${prefix}.data`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SnapshotIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface SnapshotTermFieldEvent {
    field: '$.term'
    value: number
  }

  export interface SnapshotConfigVotersFieldEvent {
    field: '$.config.voters[]'
    index: number
    value: string
  }

  export interface SnapshotDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Snapshot>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Snapshot.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Snapshot>): Snapshot {
    return decodeMessage(buf, Snapshot.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Snapshot>): Generator<SnapshotIndexFieldEvent | SnapshotTermFieldEvent | SnapshotConfigVotersFieldEvent | SnapshotDataFieldEvent> {
    return streamMessage(buf, Snapshot.codec(), opts)
  }
}

export interface RaftMessage {
  type: MessageType
  from: string
  to: string
  term: number
  index: number
  logTerm: number
  commit: number
  entries: Entry[]
  reject: boolean
  hintIndex: number
  context: string
  snapshot?: Snapshot
}

export namespace RaftMessage {
  let _codec: Codec<RaftMessage>

  export const codec = (): Codec<RaftMessage> => {
    if (_codec == null) {
      _codec = message<RaftMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __MessageTypeValues[obj.type] !== 0) {
          w.uint32(8)
          MessageType.codec().encode(obj.type, w)
        }

        if ((obj.from != null && obj.from !== '')) {
          w.uint32(18)
          w.string(obj.from)
        }

        if ((obj.to != null && obj.to !== '')) {
          w.uint32(26)
          w.string(obj.to)
        }

        if ((obj.term != null && obj.term !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.term)
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.index)
        }

        if ((obj.logTerm != null && obj.logTerm !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.logTerm)
        }

        if ((obj.commit != null && obj.commit !== 0)) {
          w.uint32(56)
          w.uint64Number(obj.commit)
        }

        if (obj.entries != null && obj.entries.length > 0) {
          for (const value of obj.entries) {
            w.uint32(66)
            Entry.codec().encode(value, w)
          }
        }

        if ((obj.reject != null && obj.reject !== false)) {
          w.uint32(72)
          w.bool(obj.reject)
        }

        if ((obj.hintIndex != null && obj.hintIndex !== 0)) {
          w.uint32(80)
          w.uint64Number(obj.hintIndex)
        }

        if ((obj.context != null && obj.context !== '')) {
          w.uint32(90)
          w.string(obj.context)
        }

        if (obj.snapshot != null) {
          w.uint32(98)
          Snapshot.codec().encode(obj.snapshot, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: MessageType.VOTE,
          from: '',
          to: '',
          term: 0,
          index: 0,
          logTerm: 0,
          commit: 0,
          entries: [],
          reject: false,
          hintIndex: 0,
          context: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = MessageType.codec().decode(reader)
              break
            }
            case 2: {
              obj.from = reader.string()
              break
            }
            case 3: {
              obj.to = reader.string()
              break
            }
            case 4: {
              obj.term = reader.uint64Number()
              break
            }
            case 5: {
              obj.index = reader.uint64Number()
              break
            }
            case 6: {
              obj.logTerm = reader.uint64Number()
              break
            }
            case 7: {
              obj.commit = reader.uint64Number()
              break
            }
            case 8: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
              }

              obj.entries.push(Entry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.entries$
              }))
              break
            }
            case 9: {
              obj.reject = reader.bool()
              break
            }
            case 10: {
              obj.hintIndex = reader.uint64Number()
              break
            }
            case 11: {
              obj.context = reader.string()
              break
            }
            case 12: {
              obj.snapshot = Snapshot.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.snapshot
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          entries: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.type`,
                value: MessageType.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.from`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.to`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.term`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.index`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.logTerm`,
                value: reader.uint64Number()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.commit`,
                value: reader.uint64Number()
              }
              break
            }
            case 8: {
              if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements')
              }

              for (const evt of Entry.codec().stream(reader, reader.uint32(), `${prefix}.entries[]`, {
                limits: opts.limits?.entries$
              })) {
                yield {
                  ...evt,
                  index: obj.entries
                }
              }

              obj.entries++

              break
            }
            case 9: {
              yield {
                field: `${prefix}.reject`,
                value: reader.bool()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.hintIndex`,
                value: reader.uint64Number()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.context`,
                value: reader.string()
              }
              break
            }
            case 12: {
              yield * Snapshot.codec().stream(reader, reader.uint32(), `${prefix}.snapshot`, {
                limits: opts.limits?.snapshot
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RaftMessageTypeFieldEvent {
    field: '$.type'
    value: MessageType
  }

  export interface RaftMessageFromFieldEvent {
    field: '$.from'
    value: string
  }

  export interface RaftMessageToFieldEvent {
    field: '$.to'
    value: string
  }

  export interface RaftMessageTermFieldEvent {
    field: '$.term'
    value: number
  }

  export interface RaftMessageIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface RaftMessageLogTermFieldEvent {
    field: '$.logTerm'
    value: number
  }

  export interface RaftMessageCommitFieldEvent {
    field: '$.commit'
    value: number
  }

  export interface RaftMessageEntriesIndexFieldEvent {
    field: '$.entries[].index'
    value: number
    index: number
  }

  export interface RaftMessageEntriesTermFieldEvent {
    field: '$.entries[].term'
    value: number
    index: number
  }

  export interface RaftMessageEntriesKindFieldEvent {
    field: '$.entries[].kind'
    value: EntryKind
    index: number
  }

  export interface RaftMessageEntriesDataFieldEvent {
    field: '$.entries[].data'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RaftMessageRejectFieldEvent {
    field: '$.reject'
    value: boolean
  }

  export interface RaftMessageHintIndexFieldEvent {
    field: '$.hintIndex'
    value: number
  }

  export interface RaftMessageContextFieldEvent {
    field: '$.context'
    value: string
  }

  export interface RaftMessageSnapshotIndexFieldEvent {
    field: '$.snapshot.index'
    value: number
  }

  export interface RaftMessageSnapshotTermFieldEvent {
    field: '$.snapshot.term'
    value: number
  }

  export interface RaftMessageSnapshotConfigVotersFieldEvent {
    field: '$.snapshot.config.voters[]'
    index: number
    value: string
  }

  export interface RaftMessageSnapshotDataFieldEvent {
    field: '$.snapshot.data'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<RaftMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RaftMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RaftMessage>): RaftMessage {
    return decodeMessage(buf, RaftMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RaftMessage>): Generator<RaftMessageTypeFieldEvent | RaftMessageFromFieldEvent | RaftMessageToFieldEvent | RaftMessageTermFieldEvent | RaftMessageIndexFieldEvent | RaftMessageLogTermFieldEvent | RaftMessageCommitFieldEvent | RaftMessageEntriesIndexFieldEvent | RaftMessageEntriesTermFieldEvent | RaftMessageEntriesKindFieldEvent | RaftMessageEntriesDataFieldEvent | RaftMessageRejectFieldEvent | RaftMessageHintIndexFieldEvent | RaftMessageContextFieldEvent | RaftMessageSnapshotIndexFieldEvent | RaftMessageSnapshotTermFieldEvent | RaftMessageSnapshotConfigVotersFieldEvent | RaftMessageSnapshotDataFieldEvent> {
    return streamMessage(buf, RaftMessage.codec(), opts)
  }
}
