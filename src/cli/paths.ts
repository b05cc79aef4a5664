/**
 * Where the daemon keeps its data and its admin socket by default. The
 * daemon and the CLI both use these, so `shoal status` finds a daemon
 * started with the same environment and no flags.
 */
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { ADMIN_SOCKET_FILE } from '../daemon/constants.js'

/** `$SHOAL_DATA`, else `$XDG_DATA_HOME/shoal`, else `~/.local/share/shoal`. */
export function defaultDataDir (env: NodeJS.ProcessEnv = process.env): string {
  const data = env.SHOAL_DATA
  if (data != null && data !== '') return resolve(data)
  const xdg = env.XDG_DATA_HOME
  return join(xdg != null && xdg !== '' ? xdg : join(homedir(), '.local', 'share'), 'shoal')
}

/** The admin socket or URL the CLI talks to: `--admin`, else `$SHOAL_ADMIN`, else `<data dir>/admin.sock`. */
export function defaultAdminTarget (flags: { admin?: string | undefined, data?: string | undefined }, env: NodeJS.ProcessEnv = process.env): string {
  if (flags.admin != null && flags.admin !== '') return flags.admin
  const admin = env.SHOAL_ADMIN
  if (admin != null && admin !== '') return admin
  const data = flags.data != null && flags.data !== '' ? resolve(flags.data) : defaultDataDir(env)
  return join(data, ADMIN_SOCKET_FILE)
}
