/**
 * QUORUM_PROTOCOL's two ends: `callSeed` asks one seed (one stream, one
 * request, one answer) and `QuorumRpcServer` answers on a seed, at most
 * QUORUM_MAX_CONCURRENT_REQUESTS at once, each bounded in time by the
 * request's own timeout and in size by the message limits.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import {
  QUORUM_MAX_CONCURRENT_REQUESTS, QUORUM_PROTOCOL, QUORUM_REQUEST_MAX_BYTES, QUORUM_REQUEST_READ_TIMEOUT_MS,
  QUORUM_RESPONSE_MAX_BYTES, QUORUM_STREAMS_PER_CONNECTION
} from './constants.js'
import { QuorumBusyError, QuorumStreamClosedError } from './errors.js'
import { decodeRequest, decodeResponse, encodeAnswer, encodeError, encodeRequest } from './rpc.js'
import type { QuorumAnswer, QuorumRequest } from './rpc.js'
import type { QuorumLogger } from './index.js'

/** Length prefix plus the largest answer. */
const READ_BUFFER_BYTES = QUORUM_RESPONSE_MAX_BYTES + 16

export type QuorumDialer = Pick<Libp2p, 'dialProtocol'>
export type QuorumRegistrar = Pick<Libp2p, 'handle' | 'unhandle'>

/** Ask `peer`; the answer, or the error it sent rebuilt as its class. */
export async function callSeed (libp2p: QuorumDialer, peer: string, req: QuorumRequest, signal: AbortSignal): Promise<QuorumAnswer> {
  let stream: Stream
  try {
    stream = await libp2p.dialProtocol(peerIdFromString(peer), QUORUM_PROTOCOL, { signal })
  } catch (err) {
    throw asError(err)
  }
  try {
    const lp = lpStream(stream, { maxDataLength: QUORUM_RESPONSE_MAX_BYTES, maxBufferSize: READ_BUFFER_BYTES })
    await lp.write(encodeRequest(req), { signal })
    const answer = decodeResponse((await lp.read({ signal })).subarray(), req.op)
    await stream.close({ signal }).catch(() => {})
    return answer
  } catch (err) {
    const e = asError(err)
    stream.abort(e)
    throw e
  }
}

/** libp2p sometimes rejects with the stream's close event rather than an Error: make it one that says what happened. */
function asError (err: unknown): Error {
  if (err instanceof Error) return err
  const inner = (err as { error?: unknown })?.error
  if (inner instanceof Error) return inner
  return new QuorumStreamClosedError('the stream to the seed closed before its answer')
}

export type RequestHandler = (req: QuorumRequest, peer: string, signal: AbortSignal) => Promise<QuorumAnswer>

export class QuorumRpcServer {
  private active = 0
  private running = false
  private readonly stopping = new Set<AbortController>()

  constructor (private readonly components: { libp2p: QuorumRegistrar, logger: QuorumLogger }, private readonly handler: RequestHandler) {}

  async start (): Promise<void> {
    if (this.running) return
    this.running = true
    await this.components.libp2p.handle(QUORUM_PROTOCOL, (stream, connection) => { void this.serve(stream, connection) }, {
      maxInboundStreams: QUORUM_STREAMS_PER_CONNECTION
    })
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    await this.components.libp2p.unhandle(QUORUM_PROTOCOL)
    for (const c of this.stopping) c.abort(new Error('the quorum node is stopping'))
  }

  private async serve (stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString()
    const controller = new AbortController()
    this.stopping.add(controller)
    const lp = lpStream(stream, { maxDataLength: QUORUM_REQUEST_MAX_BYTES })
    this.active++
    try {
      const bytes = await lp.read({ signal: AbortSignal.any([controller.signal, AbortSignal.timeout(QUORUM_REQUEST_READ_TIMEOUT_MS)]) })
      let answer: Uint8Array
      try {
        if (this.active > QUORUM_MAX_CONCURRENT_REQUESTS) throw new QuorumBusyError(`this seed is answering ${QUORUM_MAX_CONCURRENT_REQUESTS} requests already; retry later`)
        const req = decodeRequest(bytes.subarray())
        // A requester that goes away stops its request here too.
        stream.addEventListener('close', () => { controller.abort(new Error('the requester closed the stream')) }, { once: true })
        answer = encodeAnswer(await this.handler(req, peer, controller.signal))
      } catch (err) {
        answer = encodeError(err as Error)
        this.components.logger.debug({ peer, err: (err as Error).message, name: (err as Error).name }, 'quorum request failed')
      }
      await lp.write(answer, { signal: AbortSignal.any([controller.signal, AbortSignal.timeout(QUORUM_REQUEST_READ_TIMEOUT_MS)]) })
      await stream.close().catch(() => {})
    } catch (err) {
      this.components.logger.debug({ peer, err: (err as Error).message }, 'quorum request stream failed')
      stream.abort(err as Error)
    } finally {
      this.active--
      this.stopping.delete(controller)
    }
  }
}
