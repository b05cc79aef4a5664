import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export enum Status {
  OK = 'OK',
  NOT_FOUND = 'NOT_FOUND',
  BUSY = 'BUSY',
  BAD_REQUEST = 'BAD_REQUEST',
  DENIED = 'DENIED',
  ERROR = 'ERROR',
  ELSEWHERE = 'ELSEWHERE'
}

enum __StatusValues {
  OK = 0,
  NOT_FOUND = 1,
  BUSY = 2,
  BAD_REQUEST = 3,
  DENIED = 4,
  ERROR = 5,
  ELSEWHERE = 6
}

export namespace Status {
  export const codec = (): Codec<Status> => {
    return enumeration<Status>(__StatusValues)
  }
}

export interface ShardRequest {
  cid: Uint8Array<ArrayBuffer>
}

export namespace ShardRequest {
  let _codec: Codec<ShardRequest>

  export const codec = (): Codec<ShardRequest> => {
    if (_codec == null) {
      _codec = message<ShardRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.cid != null && obj.cid.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.cid)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          cid: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.cid = reader.bytes()
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
                field: `${prefix}.cid`,
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

  export interface ShardRequestCidFieldEvent {
    field: '$.cid'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ShardRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ShardRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShardRequest>): ShardRequest {
    return decodeMessage(buf, ShardRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShardRequest>): Generator<ShardRequestCidFieldEvent> {
    return streamMessage(buf, ShardRequest.codec(), opts)
  }
}

export interface ShardResponse {
  status: Status
  length: bigint
  error: string
  holder: string
}

export namespace ShardResponse {
  let _codec: Codec<ShardResponse>

  export const codec = (): Codec<ShardResponse> => {
    if (_codec == null) {
      _codec = message<ShardResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          Status.codec().encode(obj.status, w)
        }

        if ((obj.length != null && obj.length !== 0n)) {
          w.uint32(16)
          w.uint64(obj.length)
        }

        if ((obj.error != null && obj.error !== '')) {
          w.uint32(26)
          w.string(obj.error)
        }

        if ((obj.holder != null && obj.holder !== '')) {
          w.uint32(34)
          w.string(obj.holder)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: Status.OK,
          length: 0n,
          error: '',
          holder: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = Status.codec().decode(reader)
              break
            }
            case 2: {
              obj.length = reader.uint64()
              break
            }
            case 3: {
              obj.error = reader.string()
              break
            }
            case 4: {
              obj.holder = reader.string()
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
                field: `${prefix}.status`,
                value: Status.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.length`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.error`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.holder`,
                value: reader.string()
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

  export interface ShardResponseStatusFieldEvent {
    field: '$.status'
    value: Status
  }

  export interface ShardResponseLengthFieldEvent {
    field: '$.length'
    value: bigint
  }

  export interface ShardResponseErrorFieldEvent {
    field: '$.error'
    value: string
  }

  export interface ShardResponseHolderFieldEvent {
    field: '$.holder'
    value: string
  }

  export function encode (obj: Partial<ShardResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ShardResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShardResponse>): ShardResponse {
    return decodeMessage(buf, ShardResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShardResponse>): Generator<ShardResponseStatusFieldEvent | ShardResponseLengthFieldEvent | ShardResponseErrorFieldEvent | ShardResponseHolderFieldEvent> {
    return streamMessage(buf, ShardResponse.codec(), opts)
  }
}

export interface HaveRequest {
  digest: string
}

export namespace HaveRequest {
  let _codec: Codec<HaveRequest>

  export const codec = (): Codec<HaveRequest> => {
    if (_codec == null) {
      _codec = message<HaveRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.digest != null && obj.digest !== '')) {
          w.uint32(10)
          w.string(obj.digest)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          digest: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.digest = reader.string()
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
                field: `${prefix}.digest`,
                value: reader.string()
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

  export interface HaveRequestDigestFieldEvent {
    field: '$.digest'
    value: string
  }

  export function encode (obj: Partial<HaveRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, HaveRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HaveRequest>): HaveRequest {
    return decodeMessage(buf, HaveRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HaveRequest>): Generator<HaveRequestDigestFieldEvent> {
    return streamMessage(buf, HaveRequest.codec(), opts)
  }
}

export interface HaveResponse {
  status: Status
  indexCid: Uint8Array<ArrayBuffer>
  shardCount: number
  bitmap: Uint8Array<ArrayBuffer>
  error: string
}

export namespace HaveResponse {
  let _codec: Codec<HaveResponse>

  export const codec = (): Codec<HaveResponse> => {
    if (_codec == null) {
      _codec = message<HaveResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          Status.codec().encode(obj.status, w)
        }

        if ((obj.indexCid != null && obj.indexCid.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.indexCid)
        }

        if ((obj.shardCount != null && obj.shardCount !== 0)) {
          w.uint32(24)
          w.uint32(obj.shardCount)
        }

        if ((obj.bitmap != null && obj.bitmap.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.bitmap)
        }

        if ((obj.error != null && obj.error !== '')) {
          w.uint32(42)
          w.string(obj.error)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: Status.OK,
          indexCid: uint8ArrayAlloc(0),
          shardCount: 0,
          bitmap: uint8ArrayAlloc(0),
          error: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = Status.codec().decode(reader)
              break
            }
            case 2: {
              obj.indexCid = reader.bytes()
              break
            }
            case 3: {
              obj.shardCount = reader.uint32()
              break
            }
            case 4: {
              obj.bitmap = reader.bytes()
              break
            }
            case 5: {
              obj.error = reader.string()
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
                field: `${prefix}.status`,
                value: Status.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.indexCid`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.shardCount`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.bitmap`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.error`,
                value: reader.string()
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

  export interface HaveResponseStatusFieldEvent {
    field: '$.status'
    value: Status
  }

  export interface HaveResponseIndexCidFieldEvent {
    field: '$.indexCid'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HaveResponseShardCountFieldEvent {
    field: '$.shardCount'
    value: number
  }

  export interface HaveResponseBitmapFieldEvent {
    field: '$.bitmap'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HaveResponseErrorFieldEvent {
    field: '$.error'
    value: string
  }

  export function encode (obj: Partial<HaveResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, HaveResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HaveResponse>): HaveResponse {
    return decodeMessage(buf, HaveResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HaveResponse>): Generator<HaveResponseStatusFieldEvent | HaveResponseIndexCidFieldEvent | HaveResponseShardCountFieldEvent | HaveResponseBitmapFieldEvent | HaveResponseErrorFieldEvent> {
    return streamMessage(buf, HaveResponse.codec(), opts)
  }
}

export interface IndexRequest {
  digest: string
  partial: boolean
  from: number
  waitMs: number
}

export namespace IndexRequest {
  let _codec: Codec<IndexRequest>

  export const codec = (): Codec<IndexRequest> => {
    if (_codec == null) {
      _codec = message<IndexRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.digest != null && obj.digest !== '')) {
          w.uint32(10)
          w.string(obj.digest)
        }

        if ((obj.partial != null && obj.partial !== false)) {
          w.uint32(16)
          w.bool(obj.partial)
        }

        if ((obj.from != null && obj.from !== 0)) {
          w.uint32(24)
          w.uint32(obj.from)
        }

        if ((obj.waitMs != null && obj.waitMs !== 0)) {
          w.uint32(32)
          w.uint32(obj.waitMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          digest: '',
          partial: false,
          from: 0,
          waitMs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.digest = reader.string()
              break
            }
            case 2: {
              obj.partial = reader.bool()
              break
            }
            case 3: {
              obj.from = reader.uint32()
              break
            }
            case 4: {
              obj.waitMs = reader.uint32()
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
                field: `${prefix}.digest`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.partial`,
                value: reader.bool()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.from`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.waitMs`,
                value: reader.uint32()
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

  export interface IndexRequestDigestFieldEvent {
    field: '$.digest'
    value: string
  }

  export interface IndexRequestPartialFieldEvent {
    field: '$.partial'
    value: boolean
  }

  export interface IndexRequestFromFieldEvent {
    field: '$.from'
    value: number
  }

  export interface IndexRequestWaitMsFieldEvent {
    field: '$.waitMs'
    value: number
  }

  export function encode (obj: Partial<IndexRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, IndexRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<IndexRequest>): IndexRequest {
    return decodeMessage(buf, IndexRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<IndexRequest>): Generator<IndexRequestDigestFieldEvent | IndexRequestPartialFieldEvent | IndexRequestFromFieldEvent | IndexRequestWaitMsFieldEvent> {
    return streamMessage(buf, IndexRequest.codec(), opts)
  }
}

export interface PartialShard {
  cid: Uint8Array<ArrayBuffer>
  length: number
}

export namespace PartialShard {
  let _codec: Codec<PartialShard>

  export const codec = (): Codec<PartialShard> => {
    if (_codec == null) {
      _codec = message<PartialShard>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.cid != null && obj.cid.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.cid)
        }

        if ((obj.length != null && obj.length !== 0)) {
          w.uint32(16)
          w.uint32(obj.length)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          cid: uint8ArrayAlloc(0),
          length: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.cid = reader.bytes()
              break
            }
            case 2: {
              obj.length = reader.uint32()
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
                field: `${prefix}.cid`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.length`,
                value: reader.uint32()
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

  export interface PartialShardCidFieldEvent {
    field: '$.cid'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PartialShardLengthFieldEvent {
    field: '$.length'
    value: number
  }

  export function encode (obj: Partial<PartialShard>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PartialShard.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PartialShard>): PartialShard {
    return decodeMessage(buf, PartialShard.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PartialShard>): Generator<PartialShardCidFieldEvent | PartialShardLengthFieldEvent> {
    return streamMessage(buf, PartialShard.codec(), opts)
  }
}

export interface IndexResponse {
  status: Status
  index: Uint8Array<ArrayBuffer>
  error: string
  size: bigint
  shards: PartialShard[]
}

export namespace IndexResponse {
  let _codec: Codec<IndexResponse>

  export const codec = (): Codec<IndexResponse> => {
    if (_codec == null) {
      _codec = message<IndexResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          Status.codec().encode(obj.status, w)
        }

        if ((obj.index != null && obj.index.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.index)
        }

        if ((obj.error != null && obj.error !== '')) {
          w.uint32(26)
          w.string(obj.error)
        }

        if ((obj.size != null && obj.size !== 0n)) {
          w.uint32(32)
          w.uint64(obj.size)
        }

        if (obj.shards != null && obj.shards.length > 0) {
          for (const value of obj.shards) {
            w.uint32(42)
            PartialShard.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: Status.OK,
          index: uint8ArrayAlloc(0),
          error: '',
          size: 0n,
          shards: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = Status.codec().decode(reader)
              break
            }
            case 2: {
              obj.index = reader.bytes()
              break
            }
            case 3: {
              obj.error = reader.string()
              break
            }
            case 4: {
              obj.size = reader.uint64()
              break
            }
            case 5: {
              if (opts.limits?.shards != null && obj.shards.length === opts.limits.shards) {
                throw new MaxLengthError('Decode error - repeated field "shards" had too many elements')
              }

              obj.shards.push(PartialShard.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.shards$
              }))
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
          shards: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.status`,
                value: Status.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.index`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.error`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.size`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              if (opts.limits?.shards != null && obj.shards === opts.limits.shards) {
                throw new MaxLengthError('Streaming decode error - repeated field "shards" had too many elements')
              }

              for (const evt of PartialShard.codec().stream(reader, reader.uint32(), `${prefix}.shards[]`, {
                limits: opts.limits?.shards$
              })) {
                yield {
                  ...evt,
                  index: obj.shards
                }
              }

              obj.shards++

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

  export interface IndexResponseStatusFieldEvent {
    field: '$.status'
    value: Status
  }

  export interface IndexResponseIndexFieldEvent {
    field: '$.index'
    value: Uint8Array<ArrayBuffer>
  }

  export interface IndexResponseErrorFieldEvent {
    field: '$.error'
    value: string
  }

  export interface IndexResponseSizeFieldEvent {
    field: '$.size'
    value: bigint
  }

  export interface IndexResponseShardsCidFieldEvent {
    field: '$.shards[].cid'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface IndexResponseShardsLengthFieldEvent {
    field: '$.shards[].length'
    value: number
    index: number
  }

  export function encode (obj: Partial<IndexResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, IndexResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<IndexResponse>): IndexResponse {
    return decodeMessage(buf, IndexResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<IndexResponse>): Generator<IndexResponseStatusFieldEvent | IndexResponseIndexFieldEvent | IndexResponseErrorFieldEvent | IndexResponseSizeFieldEvent | IndexResponseShardsCidFieldEvent | IndexResponseShardsLengthFieldEvent> {
    return streamMessage(buf, IndexResponse.codec(), opts)
  }
}
