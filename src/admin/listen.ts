/**
 * Where the admin server may listen: a unix socket, or TCP on loopback only.
 * The admin API can add and fetch blobs and has no authentication of its
 * own; the socket's file mode, or loopback, is the access control.
 */
import { connect } from 'node:net'
import { isIPv4, isIPv6 } from 'node:net'
import { lstat, mkdir, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'
import { AdminAddressInUseError, AdminListenError } from './errors.js'
import { MAX_SOCKET_PATH_BYTES, SOCKET_DIR_MODE, STALE_SOCKET_PROBE_MS } from './constants.js'

export interface TcpListen {
  host: string
  port: number
}

/** Is this host name or address loopback: 127.0.0.0/8, ::1 or `localhost`? */
export function isLoopbackHost (host: string): boolean {
  const h = host.toLowerCase()
  if (h === 'localhost') return true
  if (isIPv4(h)) return h.split('.')[0] === '127'
  if (isIPv6(h)) return h === '::1' || h === '0:0:0:0:0:0:0:1'
  return false
}

/** Parse `host:port` or `[v6]:port`; refuse anything that is not loopback. */
export function parseListen (listen: string): TcpListen {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(listen) ?? /^([^:[\]]+):(\d{1,5})$/.exec(listen)
  if (m == null) {
    throw new AdminListenError(`admin listen address ${JSON.stringify(listen)} is not host:port; use e.g. 127.0.0.1:5051, [::1]:5051 or a unix socket path`)
  }
  const host = m[1] ?? ''
  const port = Number(m[2])
  if (!Number.isInteger(port) || port > 65535) {
    throw new AdminListenError(`admin listen port ${m[2] ?? ''} is out of range (0-65535)`)
  }
  if (!isLoopbackHost(host)) {
    throw new AdminListenError(`refusing to serve the admin API on ${host}: it has no authentication, so it listens on loopback only (127.0.0.0/8, ::1, localhost) or on a unix socket`)
  }
  return { host, port }
}

/** Is a TCP request's Host header loopback? A missing one is allowed (only HTTP/1.0 clients omit it, never a browser). */
export function isLoopbackHostHeader (header: string | undefined): boolean {
  if (header == null || header === '') return true
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(header) ?? /^([^:]+)(?::\d+)?$/.exec(header)
  return m != null && isLoopbackHost(m[1] ?? '')
}

/**
 * Make `path` ready to listen on: create its directory, check it fits a
 * sockaddr, and remove a socket file left by a daemon that died. A socket
 * with a live server behind it is not touched, nor is any other kind of file.
 */
export async function prepareSocketPath (path: string): Promise<void> {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new AdminListenError(`admin socket path is ${Buffer.byteLength(path)} bytes, more than the ${MAX_SOCKET_PATH_BYTES} a unix socket address holds: ${path}; use a shorter --admin path`)
  }
  await mkdir(dirname(path), { recursive: true, mode: SOCKET_DIR_MODE })
  const st = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined
    throw err
  })
  if (st == null) return
  if (!st.isSocket()) {
    throw new AdminListenError(`${path} exists and is not a socket; remove it or choose another --admin path`)
  }
  if (await socketAnswers(path)) {
    throw new AdminAddressInUseError(`another process is serving on ${path}; is a shoal daemon already running with this data directory?`)
  }
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err
  })
}

async function socketAnswers (path: string): Promise<boolean> {
  return await new Promise<boolean>(resolve => {
    const socket = connect({ path })
    const done = (alive: boolean): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve(alive)
    }
    // A listener that accepts but is too busy to answer in time still counts as alive.
    const timer = setTimeout(() => { done(true) }, STALE_SOCKET_PROBE_MS)
    socket.once('connect', () => { done(true) })
    socket.once('error', () => { done(false) })
  })
}
