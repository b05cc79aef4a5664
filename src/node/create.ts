/**
 * Builds the libp2p node a daemon runs: TCP, optional pre-shared swarm key,
 * Noise, Yamux with big windows, identify, ping, a private kad-dht and gossipsub.
 */
import '../polyfill.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { kadDHT, removePublicAddressesMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { preSharedKey } from '@libp2p/pnet'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import type { Libp2pOptions } from 'libp2p'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Identify } from '@libp2p/identify'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Ping } from '@libp2p/ping'
import type { ComponentLogger, Libp2p, PrivateKey } from '@libp2p/interface'
import {
  CONNECTION_PING_INTERVAL_MS, DIAL_TIMEOUT_MS, KAD_PROTOCOL, MAX_CONNECTIONS, STREAM_INACTIVITY_TIMEOUT_MS,
  STREAM_MAX_READ_BUFFER_BYTES, YAMUX_INITIAL_STREAM_WINDOW_BYTES, YAMUX_MAX_MESSAGE_BYTES, YAMUX_MAX_STREAM_WINDOW_BYTES
} from './constants.js'

export type ShoalServices = {
  identify: Identify
  ping: Ping
  dht: KadDHT
  pubsub: GossipSub
}

export type ShoalLibp2p = Libp2p<ShoalServices>

export interface NodeInit {
  privateKey: PrivateKey
  /** Multiaddrs to listen on, e.g. `/ip4/0.0.0.0/tcp/4001`. */
  listen: string[]
  /** Addresses to announce instead of the listen addresses. */
  announce?: string[]
  /** Contents of a libp2p pnet swarm key file: only peers with the same key can connect. */
  swarmKey?: Uint8Array
  /** @default MAX_CONNECTIONS */
  maxConnections?: number
  /**
   * Replaces the TCP transport. The simulator passes a TCP wrapper that shapes
   * links; the daemon's code stays the same.
   */
  transports?: Libp2pOptions['transports']
  /** Refuses peers or addresses (tests cut a seed off from the others with one). @default allow everything */
  connectionGater?: Libp2pOptions['connectionGater']
  logger?: ComponentLogger
  /** How often the connection monitor pings each connection. @default CONNECTION_PING_INTERVAL_MS */
  pingIntervalMs?: number
}

export async function createNode (init: NodeInit): Promise<ShoalLibp2p> {
  const node = await createLibp2p({
    privateKey: init.privateKey,
    addresses: { listen: init.listen, announce: init.announce ?? [] },
    transports: init.transports ?? [tcp({ dialOpts: { noDelay: true }, listenOpts: { noDelay: true } })],
    connectionProtector: init.swarmKey != null ? preSharedKey({ psk: init.swarmKey }) : undefined,
    ...(init.connectionGater != null ? { connectionGater: init.connectionGater } : {}),
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({
      maxMessageSize: YAMUX_MAX_MESSAGE_BYTES,
      streamOptions: {
        initialStreamWindowSize: YAMUX_INITIAL_STREAM_WINDOW_BYTES,
        maxStreamWindowSize: YAMUX_MAX_STREAM_WINDOW_BYTES,
        maxReadBufferLength: STREAM_MAX_READ_BUFFER_BYTES,
        inactivityTimeout: STREAM_INACTIVITY_TIMEOUT_MS
      }
    })],
    connectionManager: {
      maxConnections: init.maxConnections ?? MAX_CONNECTIONS,
      dialTimeout: DIAL_TIMEOUT_MS
    },
    // The monitor pings every connection and, by default, aborts one whose
    // ping fails or times out. On a busy uplink a ping waits behind megabytes
    // of shard frames, so it aborted exactly the connections that were
    // carrying transfers. A dead peer still shows: TCP closes, and every
    // exchange request has its own deadline.
    connectionMonitor: { pingInterval: init.pingIntervalMs ?? CONNECTION_PING_INTERVAL_MS, abortConnectionOnPingFailure: false },
    ...(init.logger != null ? { logger: init.logger } : {}),
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({
        protocol: KAD_PROTOCOL,
        clientMode: false,
        peerInfoMapper: removePublicAddressesMapper,
        initialQuerySelfInterval: 0,
        allowQueryWithZeroPeers: true
      }),
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false, fastMsgIdFn: fastMessageId })
    }
  })
  return node
}

/**
 * Gossipsub's own message id under StrictSign (author and sequence number),
 * taken before the signature is checked. Every message reaches a node from
 * several mesh peers; with this, the copies after the first are dropped
 * without verifying an Ed25519 signature again. Gossipsub caches the id only
 * once a message has passed verification, so a forged copy cannot shadow the
 * real one.
 */
export function fastMessageId (msg: { from?: Uint8Array, seqno?: Uint8Array }): string {
  return `${base64(msg.from)}.${base64(msg.seqno)}`
}

function base64 (b: Uint8Array | undefined): string {
  return b == null ? '' : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')
}
