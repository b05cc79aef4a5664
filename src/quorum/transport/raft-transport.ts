/**
 * RAFT_PROTOCOL between seeds. Each direction is its own long-lived stream:
 * this node writes to a peer on the stream it opened (PeerSender) and reads
 * what the peer sends on the stream the peer opened. Every message crosses
 * the core's strict codec; a stream from a peer that is not a voter, or
 * carrying a message whose `from` is not the peer that sent it, is reset.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import type { Connection, Stream } from '@libp2p/interface'
import { decodeMessage, encodeMessage } from '../raft/codec.js'
import { MESSAGE_MAX_BYTES, RAFT_PROTOCOL } from '../raft/constants.js'
import { RaftPeerRefusedError } from './errors.js'
import { PeerSender, type PeerSenderStats } from './peer-sender.js'
import type { Message } from '../raft/types.js'
import type { RaftTransportComponents, RaftTransportOptions } from './index.js'

export class RaftTransport {
  readonly self: string
  private readonly senders = new Map<string, PeerSender>()
  private readonly inbound = new Set<Stream>()
  private running = false
  /** Messages refused on arrival (malformed, not for us, from the wrong peer). */
  private refused = 0

  constructor (private readonly opts: RaftTransportOptions, private readonly components: RaftTransportComponents) {
    this.self = components.libp2p.peerId.toString()
  }

  async start (): Promise<void> {
    if (this.running) return
    this.running = true
    await this.components.libp2p.handle(RAFT_PROTOCOL, (stream, connection) => { void this.receive(stream, connection) }, {
      maxInboundStreams: this.opts.streamsPerConnection,
      maxOutboundStreams: this.opts.streamsPerConnection
    })
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    await this.components.libp2p.unhandle(RAFT_PROTOCOL)
    for (const s of this.inbound) s.abort(new Error('the Raft transport is stopping'))
    this.inbound.clear()
    await Promise.all([...this.senders.values()].map(async s => { await s.stop() }))
    this.senders.clear()
  }

  /** Send without waiting; false when the message was dropped (unknown peer, queue full, not running). */
  send (m: Message): boolean {
    if (!this.running) return false
    if (!this.opts.isVoter(m.to) || m.to === this.self) {
      this.components.logger.warn({ to: m.to, type: m.type }, 'Raft message for a peer that is not another voter; dropped')
      return false
    }
    let bytes: Uint8Array
    try {
      bytes = encodeMessage(m)
    } catch (err) {
      this.components.logger.error({ to: m.to, type: m.type, err: (err as Error).message }, 'Raft message does not encode; dropped')
      return false
    }
    return this.sender(m.to).enqueue(bytes)
  }

  /** Whether there is an open libp2p connection to the peer. */
  connected (peer: string): boolean {
    if (peer === this.self) return true
    try {
      return this.components.libp2p.getConnections(peerIdFromString(peer)).some(c => c.status === 'open')
    } catch {
      return false
    }
  }

  stats (): { refused: number, peers: Record<string, PeerSenderStats> } {
    const peers: Record<string, PeerSenderStats> = {}
    for (const [id, s] of this.senders) peers[id] = s.stats()
    return { refused: this.refused, peers }
  }

  private sender (peer: string): PeerSender {
    let s = this.senders.get(peer)
    if (s == null) {
      const peerId = peerIdFromString(peer)
      s = new PeerSender({ peer, ...this.opts }, {
        open: async signal => await this.components.libp2p.dialProtocol(peerId, RAFT_PROTOCOL, { signal }),
        logger: this.components.logger,
        random: this.components.random
      })
      this.senders.set(peer, s)
      s.start()
    }
    return s
  }

  private async receive (stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString()
    if (!this.running || !this.opts.isVoter(peer)) {
      this.components.logger.warn({ peer }, 'Raft stream from a peer that is not a voter; refused')
      stream.abort(new RaftPeerRefusedError(`${peer} is not a voter of this quorum`))
      return
    }
    this.inbound.add(stream)
    const lp = lpStream(stream, { maxDataLength: MESSAGE_MAX_BYTES, maxBufferSize: this.opts.readBufferBytes })
    try {
      while (this.running) {
        const bytes = await lp.read()
        const m = decodeMessage(bytes.subarray())
        if (m.from !== peer) throw new RaftPeerRefusedError(`${peer} sent a message from ${m.from}`)
        if (m.to !== this.self) {
          this.refused++
          continue
        }
        this.opts.onMessage(m)
      }
    } catch (err) {
      const name = (err as Error).name
      if (this.running && name !== 'UnexpectedEOFError' && name !== 'StreamResetError' && name !== 'StreamClosedError') {
        this.refused++
        this.components.logger.warn({ peer, err: (err as Error).message, name }, 'Raft stream from seed dropped')
      }
      stream.abort(err as Error)
    } finally {
      this.inbound.delete(stream)
    }
  }
}
