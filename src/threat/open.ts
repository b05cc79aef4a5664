/**
 * The threat service on a data directory, without a daemon: what `shoal
 * threat` uses when no daemon answers. Image references are fetched from
 * their registries directly (anonymously, or with the Docker credentials
 * file named by `registryAuth`).
 */
import { join } from 'node:path'
import pino, { type Logger } from 'pino'
import { OriginClient } from '../registry/origin/index.js'
import { ThreatFeedStore } from './feeds/store.js'
import { ScanCache } from './scan/index.js'
import { ThreatService } from './service.js'
import { FEEDS_DIR, SCANS_DIR } from './scan/constants.js'

/** Warnings for a person at a terminal: `shoal: MESSAGE (key=value, ...)` on stderr. */
function textLogger (stderr: NodeJS.WritableStream): Logger {
  return pino({
    level: 'warn',
    base: undefined,
    timestamp: false,
    formatters: { level: () => ({}) },
    hooks: {
      logMethod (args, method) {
        const [obj, msg] = args as unknown as [Record<string, unknown>, string]
        const fields = typeof obj === 'object' && obj != null
          ? Object.entries(obj).filter(([k]) => k !== 'component').map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ')
          : ''
        stderr.write(`shoal: ${msg ?? String(obj)}${fields !== '' ? ` (${fields})` : ''}\n`)
        void method
      }
    }
  })
}

export async function openLocalThreat (init: { data: string, auths?: ConstructorParameters<typeof OriginClient>[0]['auths'], stderr?: NodeJS.WritableStream }): Promise<ThreatService> {
  const logger = textLogger(init.stderr ?? process.stderr)
  const feeds = await ThreatFeedStore.open({ path: join(init.data, FEEDS_DIR), logger: logger.child({ component: 'shoal:threat:feeds' }) })
  const cache = new ScanCache({ dir: join(init.data, SCANS_DIR) })
  try {
    await cache.start()
  } catch (err) {
    await feeds.close()
    throw err
  }
  const origins = new OriginClient({ origins: {}, auths: init.auths ?? {} }, { logger: logger.child({ component: 'shoal:registry:origin' }) })
  return new ThreatService({ feeds, cache, registry: origins, logger, onClose: async () => { await origins.close() } })
}
