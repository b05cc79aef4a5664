/** What every command gets: its output streams, the environment, and a way to reach the daemon. */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { AdminClient } from './admin-client.js'
import { UsageError } from './errors.js'
import { defaultAdminTarget } from './paths.js'

export interface CliIo {
  /** @default process.stdout */
  stdout?: NodeJS.WritableStream
  /** @default process.stderr */
  stderr?: NodeJS.WritableStream
  /** @default process.env */
  env?: NodeJS.ProcessEnv
}

export interface CliContext {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
  env: NodeJS.ProcessEnv
  /** `--admin` and `--data` given before the command. */
  global: { admin?: string | undefined, data?: string | undefined }
  /** A client for the daemon named by the command's flags, the global flags, or the environment. */
  client: (flags: { admin?: string | undefined, data?: string | undefined }) => AdminClient
}

/** Flags every command takes. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  admin: { type: 'string' },
  data: { type: 'string' }
} as const

export const COMMON_USAGE = `  --json          print JSON instead of a table
  --admin TARGET  admin socket path or http://127.0.0.1:PORT (default $SHOAL_ADMIN or <data dir>/admin.sock)
  --data DIR      data directory, to find its admin.sock (default $SHOAL_DATA or ~/.local/share/shoal)
  -h, --help      show this help`

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>
export type ParsedCommand<T extends OptionsConfig> = ReturnType<typeof parseArgs<{ args: string[], options: T, allowPositionals: true, strict: true }>>

/** `parseArgs`, strict, with its errors turned into a UsageError carrying the command's usage. */
export function parseCommand<T extends OptionsConfig> (args: string[], options: T, usage: string): ParsedCommand<T> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true })
  } catch (err) {
    const unknown = /^Unknown option '([^']+)'/.exec((err as Error).message)
    throw new UsageError(unknown != null ? `unknown option ${unknown[1] ?? ''}` : (err as Error).message, usage)
  }
}

/** Write and wait for the stream to take it (a pipe to `head` may be slow or gone). */
export async function write (stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (text === '') return
  await new Promise<void>((resolve, reject) => {
    stream.write(text, err => { if (err != null) reject(err); else resolve() })
  })
}

export function writeJson (stream: NodeJS.WritableStream, value: unknown): Promise<void> {
  return write(stream, JSON.stringify(value, null, 2) + '\n')
}

export function createContext (io: CliIo, global: CliContext['global']): CliContext {
  const env = io.env ?? process.env
  return {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    env,
    global,
    // Flags after the command replace those before it, as a pair.
    client: flags => new AdminClient(defaultAdminTarget(flags.admin != null || flags.data != null ? flags : global, env))
  }
}
