/**
 * A libp2p transport that behaves as @libp2p/tcp but shapes every
 * connection: each end delays its writes by half the round trip to the
 * remote's region and paces them at that link's rate. The simulator passes
 * it where the daemon takes a transport (`new Daemon(config, { logger,
 * transports: [shapedTcp(...)] })`), so the daemon's own code is unchanged.
 *
 * Which region is the remote in? Each daemon gets its own loopback address
 * (127.0.R.H, see plan.ts), listens on it and binds its outgoing sockets to
 * it, so on every connection, inbound or outbound, the remote IP names the
 * remote host and so its region. Each end then shapes only what it writes:
 * each direction of a link is shaped exactly once, by its sender, as a
 * host's uplink is. We chose this over shaping both directions on the
 * dialing side (which needs no addresses, since the dialer knows the port
 * it dialled) because:
 * - a host's rate can be a real per-host uplink shared by all its
 *   connections (the same bucket paces every write of the host to a link
 *   class); shaping the far end's writes in the dialer's process could
 *   never share the far host's bucket, daemons being separate processes;
 * - the listener knows the remote's region before the first byte, so the
 *   Noise handshake is shaped too, and no fixed ports are needed.
 * The cost: one address per daemon (Linux routes all of 127/8 to loopback;
 * nothing to configure) and our own dialer and listener, as @libp2p/tcp does
 * not export its socket wrapper.
 *
 * Not modelled: the TCP handshake itself (a loopback SYN is instant; Noise
 * and multistream-select round trips are shaped), loss, and the downlink: a
 * host receives whatever its peers' uplinks send it.
 */
import net, { type Socket } from 'node:net'
import { AbortError, serviceCapabilities, transportSymbol, type ComponentLogger, type Connection, type CreateListenerOptions, type DialTransportOptions, type Listener, type Logger, type Transport } from '@libp2p/interface'
import { getNetConfig } from '@libp2p/utils'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Clock } from './clock.js'
import { ShapingOptionError } from './errors.js'
import { ShapedListener } from './shaped-listener.js'
import { ShapedSocketConnection, type ResolvedLink } from './shaped-socket.js'
import { TokenBucket } from './shaper.js'

/** How a host sends to one region. */
export interface LinkShape {
  /** Round trip to the region; each end delays its writes by half of it. */
  rttMs: number
  /** Rate of this host's writes to the region, in Mbit/s. */
  mbps: number
  /**
   * A bucket shared by every connection that gets this shape (a host's
   * uplink). Without it, each connection gets its own bucket of `mbps`.
   */
  bucket?: TokenBucket
}

export interface ShapedTcpInit {
  /**
   * This daemon's own loopback address: outgoing sockets are bound to it, and
   * the daemon must listen on it (`/ip4/<localAddress>/tcp/<port>`), so that
   * peers can tell its region from its address.
   */
  localAddress: string
  /** The region of the remote at `host:port`; undefined leaves the connection unshaped (and logs it). */
  regionOf: (host: string, port: number) => string | undefined
  /** How this host sends to `remoteRegion`; undefined leaves the connection unshaped. */
  linkFor: (remoteRegion: string) => LinkShape | undefined
  /** @default SOCKET_INACTIVITY_TIMEOUT_MS */
  inactivityTimeoutMs?: number
  /** @default REAL_CLOCK */
  clock?: Clock
}

export interface ShapedTcpComponents {
  logger: ComponentLogger
}

export function shapedTcp (init: ShapedTcpInit): (components: ShapedTcpComponents) => Transport {
  validate(init)
  return components => new ShapedTcp(init, components)
}

export class ShapedTcp implements Transport {
  readonly [transportSymbol] = true
  readonly [Symbol.toStringTag] = '@shoal/shaped-tcp'
  readonly [serviceCapabilities]: string[] = ['@libp2p/transport']
  private readonly log: Logger

  constructor (private readonly init: ShapedTcpInit, private readonly components: ShapedTcpComponents) {
    this.log = components.logger.forComponent('shoal:sim:net:shaped-tcp')
  }

  async dial (ma: Multiaddr, options: DialTransportOptions): Promise<Connection> {
    const { host, port } = hostPort(ma)
    const socket = await connect({ host, port, localAddress: this.init.localAddress, noDelay: true, keepAlive: true, allowHalfOpen: false }, options.signal)
    const link = this.linkTo(host, port)
    const maConn = new ShapedSocketConnection({
      socket,
      direction: 'outbound',
      remoteAddr: ma,
      link,
      log: this.components.logger.forComponent('shoal:sim:net:connection'),
      ...(this.init.inactivityTimeoutMs != null ? { inactivityTimeoutMs: this.init.inactivityTimeoutMs } : {}),
      ...(this.init.clock != null ? { clock: this.init.clock } : {})
    })
    this.log('outbound connection to %a (%s)', ma, link?.region ?? 'unshaped')
    try {
      return await options.upgrader.upgradeOutbound(maConn, options)
    } catch (err) {
      maConn.abort(err as Error)
      throw err
    }
  }

  createListener (options: CreateListenerOptions): Listener {
    return new ShapedListener({
      upgrader: options.upgrader,
      logger: this.components.logger,
      linkTo: (host, port) => this.linkTo(host, port),
      ...(this.init.inactivityTimeoutMs != null ? { inactivityTimeoutMs: this.init.inactivityTimeoutMs } : {}),
      ...(this.init.clock != null ? { clock: this.init.clock } : {})
    })
  }

  /** Plain IPv4 TCP addresses, with or without a peer id. */
  listenFilter (multiaddrs: Multiaddr[]): Multiaddr[] {
    return multiaddrs.filter(isIp4Tcp)
  }

  dialFilter (multiaddrs: Multiaddr[]): Multiaddr[] {
    return multiaddrs.filter(isIp4Tcp)
  }

  private linkTo (host: string, port: number): ResolvedLink | undefined {
    const region = this.init.regionOf(host, port)
    const shape = region == null ? undefined : this.init.linkFor(region)
    if (region == null || shape == null) {
      this.log('%s:%d is outside the topology (region %s): not shaped', host, port, region ?? 'unknown')
      return undefined
    }
    if (!(Number.isFinite(shape.rttMs) && shape.rttMs >= 0)) throw new ShapingOptionError(`linkFor(${JSON.stringify(region)}).rttMs: ${shape.rttMs} is not a round trip of 0 ms or more`)
    return { region, oneWayDelayMs: shape.rttMs / 2, bucket: shape.bucket ?? new TokenBucket({ mbps: shape.mbps }) }
  }
}

function validate (init: ShapedTcpInit): void {
  if (net.isIPv4(init.localAddress) !== true || !init.localAddress.startsWith('127.')) {
    throw new ShapingOptionError(`localAddress: ${JSON.stringify(init.localAddress)} is not an IPv4 loopback address (127.x.y.z); give each daemon its own, see planHosts`)
  }
  if (typeof init.regionOf !== 'function') throw new ShapingOptionError('regionOf: must be a function (host, port) => region')
  if (typeof init.linkFor !== 'function') throw new ShapingOptionError('linkFor: must be a function (region) => { rttMs, mbps }')
  for (const k of Object.keys(init)) {
    if (!['localAddress', 'regionOf', 'linkFor', 'inactivityTimeoutMs', 'clock'].includes(k)) throw new ShapingOptionError(`${k}: unknown option of shapedTcp`)
  }
}

function isIp4Tcp (ma: Multiaddr): boolean {
  const c = ma.getComponents()
  return c.length >= 2 && c.length <= 3 && c[0]?.name === 'ip4' && c[1]?.name === 'tcp' && (c.length === 2 || c[2]?.name === 'p2p')
}

function hostPort (ma: Multiaddr): { host: string, port: number } {
  const config = getNetConfig(ma)
  if (config.type !== 'ip4' || config.port == null) throw new ShapingOptionError(`${ma.toString()}: the shaped transport dials /ip4/<address>/tcp/<port> only`)
  return { host: config.host, port: config.port }
}

async function connect (opts: net.TcpNetConnectOpts, signal: AbortSignal): Promise<Socket> {
  signal.throwIfAborted()
  const socket = net.connect(opts)
  return await new Promise<Socket>((resolve, reject) => {
    const done = (err?: Error): void => {
      socket.off('connect', onConnect)
      socket.off('error', onError)
      signal.removeEventListener('abort', onAbort)
      if (err == null) { resolve(socket); return }
      socket.destroy()
      reject(err)
    }
    const onConnect = (): void => { done() }
    const onError = (err: Error): void => { err.message = `connection error ${opts.host ?? ''}:${opts.port}: ${err.message}`; done(err) }
    const onAbort = (): void => { done(new AbortError()) }
    socket.once('connect', onConnect)
    socket.once('error', onError)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
