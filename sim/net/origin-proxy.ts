/**
 * A region's path to the origin registry: a TCP proxy on loopback in front of
 * the origin that delays each direction by half the round trip and paces
 * what the origin sends at its egress rate. It is a byte proxy, not an HTTP
 * one, so it changes nothing in the exchange (keep-alive, ranges, chunked
 * bodies all pass); an absolute URL the origin sends back (a redirect to
 * itself) would bypass it, so the simulator's origin must answer with
 * relative ones.
 *
 * All connections through one proxy share one bucket: the simulator starts
 * one proxy per region, so the hosts of a region share that region's view of
 * the origin's egress. Pass the same `bucket` to every proxy to model one
 * egress shared by all regions instead.
 *
 * As in shapedTcp, the TCP handshake is not delayed: a GET on a fresh
 * connection takes one round trip plus size / rate, not two.
 */
import net, { type Socket } from 'node:net'
import { REAL_CLOCK, type Clock } from './clock.js'
import { ShapingOptionError } from './errors.js'
import { Shaper, TokenBucket } from './shaper.js'

export const PROXY_MAX_CONNECTIONS = 256

export interface ShapedProxyInit {
  /** The origin, `http://host:port`. */
  target: string
  /** Round trip between the region and the origin. */
  rttMs: number
  /** The origin's egress rate as this region sees it, in Mbit/s. */
  mbps: number
  /** A bucket shared with other proxies; without it, the proxy has its own of `mbps`. */
  bucket?: TokenBucket
  /** @default '127.0.0.1' */
  host?: string
  /** @default 0 (any free port) */
  port?: number
  /** @default PROXY_MAX_CONNECTIONS */
  maxConnections?: number
  /** @default REAL_CLOCK */
  clock?: Clock
}

export interface ShapedProxy {
  /** `http://host:port` of the proxy: use it in place of the origin's URL. */
  url: string
  /** Bytes the origin has sent to clients through this proxy (its egress to the region). */
  bytes: () => number
  /** Bytes clients have sent to the origin through this proxy. */
  bytesUp: () => number
  /** Close the proxy and every connection through it; safe to call twice. */
  stop: () => Promise<void>
}

export async function startShapedProxy (init: ShapedProxyInit): Promise<ShapedProxy> {
  let target: URL
  try { target = new URL(init.target) } catch { throw new ShapingOptionError(`target: ${JSON.stringify(init.target)} is not a URL such as http://127.0.0.1:5000`) }
  if (target.protocol !== 'http:' || (target.pathname !== '/' && target.pathname !== '')) throw new ShapingOptionError(`target: ${init.target} must be http://host:port (no path)`)
  if (!(Number.isFinite(init.rttMs) && init.rttMs >= 0)) throw new ShapingOptionError(`rttMs: ${init.rttMs} is not a round trip of 0 ms or more`)
  const bucket = init.bucket ?? new TokenBucket({ mbps: init.mbps })
  const clock = init.clock ?? REAL_CLOCK
  const targetHost = target.hostname.replace(/^\[|\]$/g, '')
  const targetPort = Number(target.port === '' ? 80 : target.port)
  const delayMs = init.rttMs / 2
  const sockets = new Set<Socket>()
  let down = 0
  let up = 0

  const onClient = (client: Socket): void => {
    const origin = net.connect({ host: targetHost, port: targetPort, allowHalfOpen: true, noDelay: true })
    sockets.add(client)
    sockets.add(origin)
    const toOrigin: Shaper = new Shaper({
      delayMs, bucket: null, clock,
      deliver: buf => { up += buf.byteLength; if (!origin.destroyed && !origin.write(buf)) toOrigin.pause() },
      onDrain: () => { client.resume() }
    })
    const toClient: Shaper = new Shaper({
      delayMs, bucket, clock,
      deliver: buf => { down += buf.byteLength; if (!client.destroyed && !client.write(buf)) toClient.pause() },
      onDrain: () => { origin.resume() }
    })
    let closed = false
    const close = (): void => {
      if (closed) return
      closed = true
      toOrigin.destroy('proxy connection closed')
      toClient.destroy('proxy connection closed')
      client.destroy()
      origin.destroy()
      sockets.delete(client)
      sockets.delete(origin)
    }
    client.setNoDelay(true)
    client.on('data', buf => { if (!toOrigin.write(buf)) client.pause() })
    origin.on('data', buf => { if (!toClient.write(buf)) origin.pause() })
    client.on('drain', () => { toClient.resume() })
    origin.on('drain', () => { toOrigin.resume() })
    // A FIN follows the last delayed byte of its direction.
    client.once('end', () => { toOrigin.flushed().then(() => { origin.end() }, () => {}) })
    origin.once('end', () => { toClient.flushed().then(() => { client.end() }, () => {}) })
    client.on('error', close)
    origin.on('error', close)
    client.once('close', close)
    origin.once('close', () => { if (toClient.heldBytes === 0 || client.writableEnded) close() })
  }

  const server = net.createServer({ allowHalfOpen: true }, onClient)
  server.maxConnections = init.maxConnections ?? PROXY_MAX_CONNECTIONS
  const host = init.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host, port: init.port ?? 0 }, () => { server.off('error', reject); resolve() })
  })
  const address = server.address() as net.AddressInfo
  let stopping: Promise<void> | undefined
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    bytes: () => down,
    bytesUp: () => up,
    stop: async () => {
      stopping ??= new Promise<void>(resolve => {
        server.close(() => { resolve() })
        for (const s of sockets) s.destroy()
      })
      await stopping
    }
  }
}
