/**
 * The `shoal` command line. Thin: it parses, calls the daemon's admin API
 * (`AdminClient`) or the daemon's entry point, and prints, as aligned tables
 * for people or `--json` for scripts. `main` returns the exit code: 0, 1 on
 * an error (`shoal: <ErrorName>: message` on stderr), 2 on a bad command
 * line (with the usage on stderr). Streams and the environment come in
 * through `io`, so tests capture output without touching the process.
 */
import { addCommand } from './add.js'
import { blobsCommand } from './blobs.js'
import { containerdCommand } from './containerd.js'
import { write, createContext, type CliContext, type CliIo } from './context.js'
import { daemonCommand } from './daemon.js'
import { UsageError } from './errors.js'
import { fetchCommand } from './fetch.js'
import { indexCommand } from './shard-index.js'
import { peersCommand } from './peers.js'
import { priorityCommand } from './priority.js'
import { quorumCommand } from './quorum.js'
import { shardsCommand } from './shards.js'
import { statusCommand } from './status.js'
import { predictCommand } from './predict.js'
import { threatCommand } from './threat.js'
import { usageCommand } from './usage.js'

export { AdminClient, parseAdminTarget } from './admin-client.js'
export { defaultAdminTarget, defaultDataDir } from './paths.js'
export * from './errors.js'
export type { CliIo } from './context.js'

type Command = (args: string[], ctx: CliContext) => Promise<number>

const COMMANDS: Record<string, { run: Command, summary: string }> = {
  status: { run: statusCommand, summary: 'show the daemon: peer id, region, addresses, store, announcements' },
  peers: { run: peersCommand, summary: 'list peers with region, addresses, RTT and bytes exchanged' },
  blobs: { run: blobsCommand, summary: 'list blobs in the store and how many of their shards are held' },
  shards: { run: shardsCommand, summary: 'list shards held, or of one layer, and their DHT providers' },
  add: { run: addCommand, summary: 'add a file or every blob of an OCI image layout directory' },
  fetch: { run: fetchCommand, summary: 'fetch a blob through the swarm; --out copies it to a file' },
  usage: { run: usageCommand, summary: 'usage tail: what the mirror served and where the bytes came from' },
  index: { run: indexCommand, summary: 'index push|show: an image\'s shard index as an OCI referrer at its registry' },
  predict: { run: predictCommand, summary: 'predict eval|gen-trace: replay traces through the cache policies; synthetic traces' },
  threat: { run: threatCommand, summary: 'threat feeds|scan|score|quarantine: vulnerabilities and malware in layers' },
  priority: { run: priorityCommand, summary: 'layer priorities from usage, threat and proximity, as the daemon last scored them' },
  quorum: { run: quorumCommand, summary: 'quorum status|targets|set|clear: the region seeds\' replica targets' },
  containerd: { run: containerdCommand, summary: 'containerd configure: point containerd at the mirror (hosts.toml)' },
  daemon: { run: daemonCommand, summary: 'run the daemon (see shoal daemon --help)' }
}

export const USAGE = `usage: shoal [--admin TARGET] [--data DIR] COMMAND [options]

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)}${c.summary}`).join('\n')}

Global options:
  --admin TARGET  the daemon's admin API: a unix socket path or http://127.0.0.1:PORT
                  (default $SHOAL_ADMIN, else <data dir>/admin.sock)
  --data DIR      the daemon's data directory (default $SHOAL_DATA, else ~/.local/share/shoal)
  -h, --help      show this help

Every command takes --json and --help. Run shoal COMMAND --help for its options.`

const GLOBAL_VALUE_FLAGS = new Set(['--admin', '--data'])

export async function main (argv: string[], io: CliIo = {}): Promise<number> {
  const stderr = io.stderr ?? process.stderr
  try {
    const { global, command, rest, help } = splitGlobal(argv)
    const ctx = createContext(io, global)
    if (help || command === 'help') {
      const topic = command === 'help' ? rest[0] : command
      if (topic != null && COMMANDS[topic] != null) return await COMMANDS[topic].run(['--help'], ctx)
      await write(ctx.stdout, USAGE + '\n')
      return 0
    }
    if (command == null) throw new UsageError('no command given', USAGE)
    const entry = COMMANDS[command]
    if (entry == null) throw new UsageError(`unknown command ${JSON.stringify(command)}`, USAGE)
    return await entry.run(rest, ctx)
  } catch (err) {
    return await report(err, stderr)
  }
}

/** Split `[global flags] COMMAND [args]`. Global flags are those before the command. */
function splitGlobal (argv: string[]): { global: CliContext['global'], command: string | undefined, rest: string[], help: boolean } {
  const global: CliContext['global'] = {}
  let help = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (arg === '--help' || arg === '-h') { help = true; continue }
    const eq = arg.indexOf('=')
    const name = eq > 0 ? arg.slice(0, eq) : arg
    if (GLOBAL_VALUE_FLAGS.has(name)) {
      let value: string | undefined
      if (eq > 0) value = arg.slice(eq + 1)
      else value = argv[++i]
      if (value == null || value === '') throw new UsageError(`${name} needs a value`, USAGE)
      if (name === '--admin') global.admin = value
      else global.data = value
      continue
    }
    if (arg.startsWith('-')) throw new UsageError(`unknown option ${JSON.stringify(arg)} before the command`, USAGE)
    return { global, command: arg, rest: argv.slice(i + 1), help }
  }
  return { global, command: undefined, rest: [], help }
}

async function report (err: unknown, stderr: NodeJS.WritableStream): Promise<number> {
  try {
    if (err instanceof UsageError) {
      await write(stderr, `shoal: ${err.message}\n${err.usage != null ? '\n' + err.usage + '\n' : ''}`)
      return 2
    }
    const name = err instanceof Error ? err.name : 'Error'
    const message = err instanceof Error ? err.message : String(err)
    // A system error (ENOENT: no such file ...) already names itself.
    const code = (err as NodeJS.ErrnoException | undefined)?.code
    const label = name === 'Error' && typeof code === 'string' && message.startsWith(code) ? '' : `${name}: `
    await write(stderr, `shoal: ${label}${message}\n`)
  } catch {
    // stderr is gone; the exit code still says it failed.
  }
  return 1
}
