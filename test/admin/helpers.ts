/** Helpers for admin tests: a server on a short temp socket path, and a raw HTTP request that returns everything. */
import { mkdtemp, rm } from 'node:fs/promises'
import { request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAdminServer, type AdminServer, type AdminServerInit } from '../../src/admin/index.js'
import { FakeDaemon } from './fake-daemon.js'

interface Teardown { teardown: (fn: () => unknown) => void }

/** A temp dir with a short path (unix socket paths must fit in ~104 bytes). */
export async function shortTempDir (t: Teardown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

export interface Running {
  fake: FakeDaemon
  server: AdminServer
  /** Socket path or http URL. */
  address: string
  dir: string
}

/** Start an admin server over a fresh FakeDaemon; on a unix socket unless `listen` is given. */
export async function startAdmin (t: Teardown, init: Partial<AdminServerInit> = {}, fake = new FakeDaemon()): Promise<Running> {
  const dir = await shortTempDir(t)
  const server = createAdminServer(fake, init.listen != null ? init : { socketPath: join(dir, 'admin.sock'), ...init })
  await server.start()
  t.teardown(async () => { await server.stop() })
  return { fake, server, address: server.address(), dir }
}

export interface Answer {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
  json: () => unknown
}

export async function call (address: string, method: string, path: string, options: { headers?: OutgoingHttpHeaders, body?: string | Uint8Array } = {}): Promise<Answer> {
  const target = address.startsWith('http://') ? { host: new URL(address).hostname, port: Number(new URL(address).port) } : { socketPath: address }
  return await new Promise<Answer>((resolve, reject) => {
    const req = request({ ...target, method, path, headers: options.headers ?? {}, agent: false }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        const body = Buffer.concat(chunks)
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) as unknown })
      })
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

/** The `{error: {name}}` of an answer. */
export function errorName (a: Answer): string | undefined {
  return (a.json() as { error?: { name?: string } }).error?.name
}
