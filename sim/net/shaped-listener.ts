/**
 * The listening half of the shaped transport: a TCP server whose accepted
 * sockets become ShapedSocketConnections, shaped by the region that the
 * remote address names, then upgraded by libp2p. As @libp2p/tcp's listener,
 * less what the simulator does not need (unix sockets, pausing at a
 * connection limit).
 */
import net, { type Socket } from 'node:net'
import { AlreadyStartedError, TypedEventEmitter, type ComponentLogger, type Listener, type ListenerEvents, type Logger, type Upgrader } from '@libp2p/interface'
import { getNetConfig, getThinWaistAddresses, ipPortToMultiaddr } from '@libp2p/utils'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Clock } from './clock.js'
import { ShapedSocketConnection, type ResolvedLink } from './shaped-socket.js'

export interface ShapedListenerInit {
  upgrader: Upgrader
  logger: ComponentLogger
  /** How this end shapes writes to the remote at `host:port`. */
  linkTo: (host: string, port: number) => ResolvedLink | undefined
  inactivityTimeoutMs?: number
  clock?: Clock
}

export class ShapedListener extends TypedEventEmitter<ListenerEvents> implements Listener {
  private readonly server: net.Server
  private readonly sockets = new Set<Socket>()
  private readonly shutdown = new AbortController()
  private readonly log: Logger
  private listeningAddr: Multiaddr | undefined

  constructor (private readonly init: ShapedListenerInit) {
    super()
    this.log = init.logger.forComponent('shoal:sim:net:listener')
    this.server = net.createServer({ noDelay: true, keepAlive: true, allowHalfOpen: false }, socket => { this.onSocket(socket) })
    this.server.on('listening', () => { this.safeDispatchEvent('listening') })
    this.server.on('error', err => { this.safeDispatchEvent('error', { detail: err }) })
    this.server.on('close', () => { this.safeDispatchEvent('close') })
  }

  async listen (ma: Multiaddr): Promise<void> {
    if (this.listeningAddr != null) throw new AlreadyStartedError('already listening')
    const config = getNetConfig(ma)
    this.listeningAddr = ma
    try {
      await new Promise<void>((resolve, reject) => {
        this.server.once('error', reject)
        this.server.listen({ host: config.host, port: config.port ?? 0 }, () => { this.server.off('error', reject); resolve() })
      })
    } catch (err) {
      this.listeningAddr = undefined
      throw err
    }
    this.log('listening on %o', this.server.address())
  }

  getAddrs (): Multiaddr[] {
    const address = this.server.address()
    if (this.listeningAddr == null || address == null || typeof address === 'string') return []
    return getThinWaistAddresses(this.listeningAddr, address.port)
  }

  updateAnnounceAddrs (): void {}

  async close (): Promise<void> {
    const closed = this.server.listening ? new Promise<void>(resolve => this.server.once('close', () => { resolve() })) : Promise.resolve()
    this.server.close()
    this.shutdown.abort()
    for (const socket of this.sockets) socket.destroy()
    this.sockets.clear()
    await closed
  }

  private onSocket (socket: Socket): void {
    if (this.shutdown.signal.aborted || socket.remoteAddress == null || socket.remotePort == null) { socket.destroy(); return }
    const link = this.init.linkTo(socket.remoteAddress, socket.remotePort)
    const maConn = new ShapedSocketConnection({
      socket,
      direction: 'inbound',
      remoteAddr: ipPortToMultiaddr(socket.remoteAddress, socket.remotePort),
      link,
      log: this.init.logger.forComponent('shoal:sim:net:connection'),
      ...(this.init.inactivityTimeoutMs != null ? { inactivityTimeoutMs: this.init.inactivityTimeoutMs } : {}),
      ...(this.init.clock != null ? { clock: this.init.clock } : {})
    })
    this.log('inbound connection from %a (%s)', maConn.remoteAddr, link?.region ?? 'unshaped')
    this.sockets.add(socket)
    socket.once('close', () => { this.sockets.delete(socket) })
    this.init.upgrader.upgradeInbound(maConn, { signal: this.shutdown.signal }).catch(err => {
      this.log.error('inbound connection from %a failed to upgrade - %e', maConn.remoteAddr, err)
      maConn.abort(err)
    })
  }
}
