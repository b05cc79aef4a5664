/**
 * How the seeds' Raft nodes talk: RAFT_PROTOCOL ('/shoal/raft/1.0.0')
 * over the daemon's libp2p node, messages in the core's codec, each
 * length-prefixed and at most MESSAGE_MAX_BYTES. One long-lived outbound
 * stream per peer with a bounded send queue (dropping on overflow: Raft
 * retries), redialled with backoff. Only voters may send, and only as
 * themselves. `send` never waits, so the driver is never held up by a slow
 * or absent peer.
 */
import { InvalidRaftTransportOptionError } from './errors.js'
import {
  RAFT_DIAL_TIMEOUT_MS, RAFT_READ_BUFFER_BYTES, RAFT_STREAMS_PER_CONNECTION, RAFT_WRITE_TIMEOUT_MS,
  RECONNECT_MAX_MS, RECONNECT_MIN_MS, SEND_QUEUE_MAX_BYTES, SEND_QUEUE_MAX_MESSAGES
} from './constants.js'
import { RaftTransport } from './raft-transport.js'
import type { Libp2p } from '@libp2p/interface'
import type { Message } from '../raft/types.js'

export * from './constants.js'
export * from './errors.js'
export { RaftTransport } from './raft-transport.js'
export type { PeerSenderStats } from './peer-sender.js'

/** Narrow logger, pino's calling convention (context object, then message); a pino child logger fits. */
export interface TransportLogger {
  debug (obj: object, msg: string): void
  warn (obj: object, msg: string): void
  error (obj: object, msg: string): void
}

/** What the transport uses of the libp2p node; the daemon's node fits. */
export type RaftLibp2p = Pick<Libp2p, 'peerId' | 'handle' | 'unhandle' | 'dialProtocol' | 'getConnections'>

export interface RaftTransportInit {
  /** Whether a peer id is a voter: only voters may send, and only voters are sent to. */
  isVoter: (peer: string) => boolean
  /** Each well-formed message from a voter, addressed to this node. Called synchronously, in arrival order per peer. */
  onMessage: (m: Message) => void
  /** @default SEND_QUEUE_MAX_MESSAGES (256) */
  maxMessages?: number
  /** @default SEND_QUEUE_MAX_BYTES (two of the largest messages) */
  maxBytes?: number
  /** @default RECONNECT_MIN_MS (100) */
  reconnectMinMs?: number
  /** @default RECONNECT_MAX_MS (5000) */
  reconnectMaxMs?: number
  /** @default RAFT_DIAL_TIMEOUT_MS (3000) */
  dialTimeoutMs?: number
  /** @default RAFT_WRITE_TIMEOUT_MS (10000) */
  writeTimeoutMs?: number
}

export interface RaftTransportComponents {
  libp2p: RaftLibp2p
  logger: TransportLogger
  /** Jitter for reconnect backoff. @default Math.random */
  random: () => number
}

export type RaftTransportOptions = Required<Omit<RaftTransportInit, 'isVoter' | 'onMessage'>> & Pick<RaftTransportInit, 'isVoter' | 'onMessage'> & {
  streamsPerConnection: number
  readBufferBytes: number
}

const KNOWN = ['isVoter', 'onMessage', 'maxMessages', 'maxBytes', 'reconnectMinMs', 'reconnectMaxMs', 'dialTimeoutMs', 'writeTimeoutMs']

export function createRaftTransport (init: RaftTransportInit, components: Omit<RaftTransportComponents, 'random'> & { random?: () => number }): RaftTransport {
  for (const key of Object.keys(init)) {
    if (!KNOWN.includes(key)) throw new InvalidRaftTransportOptionError(`unknown Raft transport option "${key}"; known: ${KNOWN.join(', ')}`)
  }
  if (typeof init.isVoter !== 'function' || typeof init.onMessage !== 'function') {
    throw new InvalidRaftTransportOptionError('Raft transport options isVoter and onMessage are required functions')
  }
  const positive = (name: keyof RaftTransportInit, fallback: number): number => {
    const v = init[name] ?? fallback
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) throw new InvalidRaftTransportOptionError(`Raft transport option ${name} must be a positive integer, got ${String(v)}`)
    return v
  }
  const opts: RaftTransportOptions = {
    isVoter: init.isVoter,
    onMessage: init.onMessage,
    maxMessages: positive('maxMessages', SEND_QUEUE_MAX_MESSAGES),
    maxBytes: positive('maxBytes', SEND_QUEUE_MAX_BYTES),
    reconnectMinMs: positive('reconnectMinMs', RECONNECT_MIN_MS),
    reconnectMaxMs: positive('reconnectMaxMs', RECONNECT_MAX_MS),
    dialTimeoutMs: positive('dialTimeoutMs', RAFT_DIAL_TIMEOUT_MS),
    writeTimeoutMs: positive('writeTimeoutMs', RAFT_WRITE_TIMEOUT_MS),
    streamsPerConnection: RAFT_STREAMS_PER_CONNECTION,
    readBufferBytes: RAFT_READ_BUFFER_BYTES
  }
  if (opts.reconnectMinMs > opts.reconnectMaxMs) throw new InvalidRaftTransportOptionError(`reconnectMinMs (${opts.reconnectMinMs}) must not exceed reconnectMaxMs (${opts.reconnectMaxMs})`)
  return new RaftTransport(opts, { ...components, random: components.random ?? Math.random })
}
