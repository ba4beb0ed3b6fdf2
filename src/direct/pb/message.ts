/* eslint-disable import/export */
/* eslint-disable complexity */
/* eslint-disable @typescript-eslint/no-namespace */
/* eslint-disable @typescript-eslint/no-unnecessary-boolean-literal-compare */
/* eslint-disable @typescript-eslint/no-empty-interface */
/* eslint-disable import/consistent-type-specifier-style */
/* eslint-disable @typescript-eslint/no-unused-vars */

import { decodeMessage, encodeMessage, enumeration, message } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface DirectMessage {
  id: Uint8Array
  payload: Uint8Array
  senderName: string
  sentAt: number
}

export namespace DirectMessage {
  let _codec: Codec<DirectMessage>

  export const codec = (): Codec<DirectMessage> => {
    if (_codec == null) {
      _codec = message<DirectMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if ((obj.payload != null && obj.payload.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.payload)
        }

        if ((obj.senderName != null && obj.senderName !== '')) {
          w.uint32(26)
          w.string(obj.senderName)
        }

        if ((obj.sentAt != null && obj.sentAt !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.sentAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          payload: uint8ArrayAlloc(0),
          senderName: '',
          sentAt: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.bytes()
              break
            }
            case 2: {
              obj.payload = reader.bytes()
              break
            }
            case 3: {
              obj.senderName = reader.string()
              break
            }
            case 4: {
              obj.sentAt = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      })
    }

    return _codec
  }

  export const encode = (obj: Partial<DirectMessage>): Uint8Array => {
    return encodeMessage(obj, DirectMessage.codec())
  }

  export const decode = (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DirectMessage>): DirectMessage => {
    return decodeMessage(buf, DirectMessage.codec(), opts)
  }
}

export interface DirectMessageAck {
  id: Uint8Array
  status: DirectMessageAck.Status
  error?: string
}

export namespace DirectMessageAck {
  export enum Status {
    UNSPECIFIED = 'UNSPECIFIED',
    OK = 'OK',
    TOO_LARGE = 'TOO_LARGE',
    MALFORMED = 'MALFORMED',
    REJECTED = 'REJECTED',
    DUPLICATE = 'DUPLICATE'
  }

  enum __StatusValues {
    UNSPECIFIED = 0,
    OK = 1,
    TOO_LARGE = 2,
    MALFORMED = 3,
    REJECTED = 4,
    DUPLICATE = 5
  }

  export namespace Status {
    export const codec = (): Codec<Status> => {
      return enumeration<Status>(__StatusValues)
    }
  }

  let _codec: Codec<DirectMessageAck>

  export const codec = (): Codec<DirectMessageAck> => {
    if (_codec == null) {
      _codec = message<DirectMessageAck>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(16)
          DirectMessageAck.Status.codec().encode(obj.status, w)
        }

        if (obj.error != null) {
          w.uint32(26)
          w.string(obj.error)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          status: Status.UNSPECIFIED
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.bytes()
              break
            }
            case 2: {
              obj.status = DirectMessageAck.Status.codec().decode(reader)
              break
            }
            case 3: {
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
      })
    }

    return _codec
  }

  export const encode = (obj: Partial<DirectMessageAck>): Uint8Array => {
    return encodeMessage(obj, DirectMessageAck.codec())
  }

  export const decode = (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DirectMessageAck>): DirectMessageAck => {
    return decodeMessage(buf, DirectMessageAck.codec(), opts)
  }
}
