/**
 * One undici `Agent` (a keep-alive connection pool per origin it talks to)
 * per registry host, with that host's extra CAs and timeouts. The same agent
 * carries the requests the registry sends elsewhere (its token realm, its
 * storage backend), so the extra CAs are added to Node's root store rather
 * than replacing it. Bounded: beyond MAX_ORIGIN_HOSTS the least recently
 * used agent is closed gracefully (its requests in flight finish).
 */
import { rootCertificates } from 'node:tls'
import { Agent } from 'undici'
import type { Logger } from 'pino'
import { BoundedMap } from './bounded-map.js'
import { CLOSE_GRACE_MS, CONNECTIONS_PER_ORIGIN, KEEP_ALIVE_TIMEOUT_MS, MAX_ORIGIN_HOSTS, MAX_RESPONSE_HEADER_BYTES } from './constants.js'
import type { ResolvedOrigin } from './settings.js'

export class AgentPool {
  private readonly agents: BoundedMap<string, Agent>
  private closing: Promise<void> | undefined

  constructor (private readonly components: { logger: Logger }, maxHosts = MAX_ORIGIN_HOSTS) {
    this.agents = new BoundedMap(maxHosts)
  }

  get closed (): boolean {
    return this.closing !== undefined
  }

  /** The agent of registry `key` (made on first use). */
  get (key: string, origin: ResolvedOrigin): Agent {
    const existing = this.agents.get(key)
    if (existing !== undefined) return existing
    const agent = new Agent({
      connect: {
        timeout: origin.timeoutMs,
        ...(origin.ca !== undefined ? { ca: [...rootCertificates, origin.ca.pem] } : {})
      },
      connections: CONNECTIONS_PER_ORIGIN,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      headersTimeout: origin.timeoutMs,
      bodyTimeout: origin.timeoutMs,
      maxHeaderSize: MAX_RESPONSE_HEADER_BYTES
    })
    for (const [oldKey, old] of this.agents.set(key, agent)) {
      old.close().catch(err => { this.components.logger.warn({ host: oldKey, err: (err as Error).message }, 'closing an idle origin connection pool failed') })
    }
    return agent
  }

  /** Close every agent: requests in flight get CLOSE_GRACE_MS to finish, then are cut. Safe to call twice. */
  async close (): Promise<void> {
    this.closing ??= (async () => {
      const all = [...this.agents.values()]
      this.agents.clear()
      await Promise.all(all.map(async a => { await closeWithin(a, CLOSE_GRACE_MS) }))
    })()
    await this.closing
  }
}

async function closeWithin (agent: Agent, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>(resolve => { timer = setTimeout(() => { resolve('late') }, graceMs) })
  try {
    if (await Promise.race([agent.close().then(() => 'closed' as const), late]) === 'late') await agent.destroy()
  } finally {
    clearTimeout(timer)
  }
}
