/**
 * `shoal daemon`: load the configuration, start the daemon and its admin API,
 * and stop cleanly on SIGINT or SIGTERM.
 */
import { pino } from 'pino'
import { createAdminServer } from '../admin/index.js'
import { ConfigError, DAEMON_USAGE, loadConfig } from './config.js'
import { Daemon, adminSocketPath, type DaemonComponents } from './daemon.js'

/** `components`: what an embedder injects (the simulator's shaped transports); the CLI passes none. */
export async function runDaemon (argv: string[], io: { stdout?: NodeJS.WritableStream, stderr?: NodeJS.WritableStream } = {}, components: Omit<DaemonComponents, 'logger'> = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout
  const stderr = io.stderr ?? process.stderr
  let config
  try {
    config = await loadConfig(argv)
  } catch (err) {
    if ((err as Error).name === 'ConfigError') { stderr.write(`shoal daemon: ${(err as Error).message}\n`); return 2 }
    throw err
  }
  if (config === 'help') { stdout.write(DAEMON_USAGE + '\n'); return 0 }
  const logger = pino({ name: 'shoal', level: config.logLevel }, pino.destination(2))
  const daemon = new Daemon(config, { ...components, logger })
  const admin = adminTarget(adminSocketPath(config))
  const server = createAdminServer(daemon, { ...admin, logger: logger.child({ component: 'shoal:admin' }) })
  try {
    await daemon.start()
    await server.start()
  } catch (err) {
    logger.error({ err: (err as Error).message, name: (err as Error).name }, 'daemon failed to start')
    await server.stop().catch(() => {})
    await daemon.stop().catch(() => {})
    stderr.write(`shoal daemon: ${(err as Error).name}: ${(err as Error).message}\n`)
    return 1
  }
  logger.info({ admin: server.address(), peerId: daemon.peerId }, 'admin API listening')
  await new Promise<void>(resolve => {
    const onSignal = (sig: string): void => {
      logger.info({ signal: sig }, 'stopping')
      resolve()
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
  })
  await server.stop()
  await daemon.stop()
  return 0
}

/** `host:port` means loopback TCP (the admin server refuses anything else); anything else is a unix socket path. */
function adminTarget (admin: string): { socketPath: string } | { listen: string } {
  if (/^[^/]+:\d+$/.test(admin) || /^\[[0-9a-f:]+\]:\d+$/i.test(admin)) return { listen: admin }
  return { socketPath: admin }
}

export { ConfigError }
