import { decodeMessage, encodeMessage, enumeration, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface TagRequest {
  origin: string
  repository: string
  tag: string
}

export namespace TagRequest {
  let _codec: Codec<TagRequest>

  export const codec = (): Codec<TagRequest> => {
    if (_codec == null) {
      _codec = message<TagRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.origin != null && obj.origin !== '')) {
          w.uint32(10)
          w.string(obj.origin)
        }

        if ((obj.repository != null && obj.repository !== '')) {
          w.uint32(18)
          w.string(obj.repository)
        }

        if ((obj.tag != null && obj.tag !== '')) {
          w.uint32(26)
          w.string(obj.tag)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          origin: '',
          repository: '',
          tag: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.origin = reader.string()
              break
            }
            case 2: {
              obj.repository = reader.string()
              break
            }
            case 3: {
              obj.tag = reader.string()
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
                field: `${prefix}.origin`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.repository`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.tag`,
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

  export interface TagRequestOriginFieldEvent {
    field: '$.origin'
    value: string
  }

  export interface TagRequestRepositoryFieldEvent {
    field: '$.repository'
    value: string
  }

  export interface TagRequestTagFieldEvent {
    field: '$.tag'
    value: string
  }

  export function encode (obj: Partial<TagRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, TagRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TagRequest>): TagRequest {
    return decodeMessage(buf, TagRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TagRequest>): Generator<TagRequestOriginFieldEvent | TagRequestRepositoryFieldEvent | TagRequestTagFieldEvent> {
    return streamMessage(buf, TagRequest.codec(), opts)
  }
}

export interface TagResponse {
  status: TagResponse.Status
  digest: string
  mediaType: string
  sizeBytes: bigint
  resolvedAtMs: bigint
}

export namespace TagResponse {
  export enum Status {
    OK = 'OK',
    NOT_FOUND = 'NOT_FOUND',
    BAD_REQUEST = 'BAD_REQUEST'
  }

  enum __StatusValues {
    OK = 0,
    NOT_FOUND = 1,
    BAD_REQUEST = 2
  }

  export namespace Status {
    export const codec = (): Codec<Status> => {
      return enumeration<Status>(__StatusValues)
    }
  }

  let _codec: Codec<TagResponse>

  export const codec = (): Codec<TagResponse> => {
    if (_codec == null) {
      _codec = message<TagResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          TagResponse.Status.codec().encode(obj.status, w)
        }

        if ((obj.digest != null && obj.digest !== '')) {
          w.uint32(18)
          w.string(obj.digest)
        }

        if ((obj.mediaType != null && obj.mediaType !== '')) {
          w.uint32(26)
          w.string(obj.mediaType)
        }

        if ((obj.sizeBytes != null && obj.sizeBytes !== 0n)) {
          w.uint32(32)
          w.uint64(obj.sizeBytes)
        }

        if ((obj.resolvedAtMs != null && obj.resolvedAtMs !== 0n)) {
          w.uint32(40)
          w.uint64(obj.resolvedAtMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: Status.OK,
          digest: '',
          mediaType: '',
          sizeBytes: 0n,
          resolvedAtMs: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = TagResponse.Status.codec().decode(reader)
              break
            }
            case 2: {
              obj.digest = reader.string()
              break
            }
            case 3: {
              obj.mediaType = reader.string()
              break
            }
            case 4: {
              obj.sizeBytes = reader.uint64()
              break
            }
            case 5: {
              obj.resolvedAtMs = reader.uint64()
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
                value: TagResponse.Status.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.digest`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.mediaType`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.sizeBytes`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.resolvedAtMs`,
                value: reader.uint64()
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

  export interface TagResponseStatusFieldEvent {
    field: '$.status'
    value: TagResponse.Status
  }

  export interface TagResponseDigestFieldEvent {
    field: '$.digest'
    value: string
  }

  export interface TagResponseMediaTypeFieldEvent {
    field: '$.mediaType'
    value: string
  }

  export interface TagResponseSizeBytesFieldEvent {
    field: '$.sizeBytes'
    value: bigint
  }

  export interface TagResponseResolvedAtMsFieldEvent {
    field: '$.resolvedAtMs'
    value: bigint
  }

  export function encode (obj: Partial<TagResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, TagResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TagResponse>): TagResponse {
    return decodeMessage(buf, TagResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TagResponse>): Generator<TagResponseStatusFieldEvent | TagResponseDigestFieldEvent | TagResponseMediaTypeFieldEvent | TagResponseSizeBytesFieldEvent | TagResponseResolvedAtMsFieldEvent> {
    return streamMessage(buf, TagResponse.codec(), opts)
  }
}
