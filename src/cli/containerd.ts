/**
 * `shoal containerd configure --origin HOST...`: write containerd's
 * hosts.toml for each origin registry so that its pulls go through the
 * shoal mirror (and fall back to the origin). A local file operation: no
 * daemon needed.
 */
import { resolve } from 'node:path'
import { DEFAULT_MIRROR_URL } from '../registry/constants.js'
import { checkMirrorUrl, checkOriginHost, DEFAULT_HOSTS_DIR, hostsToml, hostsTomlPath, writeHostsToml } from '../registry/hosts-toml.js'
import { parseCommand, write, writeJson, type CliContext } from './context.js'
import { UsageError } from './errors.js'

export const CONTAINERD_USAGE = `usage: shoal containerd configure --origin HOST [--origin HOST...] [options]

Point containerd at the shoal mirror: write DIR/HOST/hosts.toml for each
origin registry HOST, so that pulls of HOST/... go through the mirror first
and fall back to HOST itself. Needs no running daemon; writing under
/etc/containerd needs root.

  --origin HOST   a registry host as images name it: docker.io, ghcr.io,
                  127.0.0.1:5000 (repeat for more)
  --mirror URL    the shoal mirror (default ${DEFAULT_MIRROR_URL})
  --dir DIR       containerd's hosts directory (default ${DEFAULT_HOSTS_DIR})
  --skip-verify   do not verify an https mirror's TLS certificate
  --dry-run       print what would be written; write nothing
  --json          print JSON instead of text
  -h, --help      show this help`

const OPTIONS = {
  origin: { type: 'string', multiple: true },
  mirror: { type: 'string' },
  dir: { type: 'string' },
  'skip-verify': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' }
} as const

const INVALID_INPUT = new Set(['InvalidOriginHostError', 'InvalidMirrorUrlError'])

export interface ConfiguredHost {
  origin: string
  path: string
  content: string
}

export interface ConfigureResult {
  dir: string
  mirror: string
  dryRun: boolean
  files: ConfiguredHost[]
  /** What else containerd and ctr need to use the files. */
  hint: string
}

export async function containerdCommand (args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(args, OPTIONS, CONTAINERD_USAGE)
  if (values.help === true) { await write(ctx.stdout, CONTAINERD_USAGE + '\n'); return 0 }
  const [sub, ...extra] = positionals
  if (sub == null) throw new UsageError('containerd needs a subcommand: configure', CONTAINERD_USAGE)
  if (sub !== 'configure') throw new UsageError(`unknown containerd subcommand ${JSON.stringify(sub)}; the one there is: configure`, CONTAINERD_USAGE)
  if (extra.length > 0) throw new UsageError(`containerd configure takes no arguments, got ${extra.join(' ')}; name registries with --origin`, CONTAINERD_USAGE)
  const result = await configure({
    origins: values.origin ?? [],
    mirror: values.mirror ?? DEFAULT_MIRROR_URL,
    dir: values.dir ?? DEFAULT_HOSTS_DIR,
    skipVerify: values['skip-verify'] === true,
    dryRun: values['dry-run'] === true
  })
  if (values.json === true) await writeJson(ctx.stdout, result)
  else await write(ctx.stdout, formatConfigure(result))
  return 0
}

/** Check every origin and the mirror before writing anything, then write (unless a dry run). */
export async function configure (options: { origins: string[], mirror: string, dir: string, skipVerify: boolean, dryRun: boolean }): Promise<ConfigureResult> {
  if (options.origins.length === 0) throw new UsageError('containerd configure needs at least one --origin HOST (e.g. --origin docker.io)', CONTAINERD_USAGE)
  if (options.dir === '') throw new UsageError('--dir needs a directory', CONTAINERD_USAGE)
  // containerd's config_path must name the directory absolutely.
  const dir = resolve(options.dir)
  const planned: ConfiguredHost[] = []
  let mirror: string
  try {
    mirror = checkMirrorUrl(options.mirror)
    const seen = new Set<string>()
    for (const given of options.origins) {
      const origin = checkOriginHost(given)
      if (seen.has(origin)) continue
      seen.add(origin)
      const content = hostsToml({ origin, mirror, skipVerify: options.skipVerify })
      planned.push({ origin, path: hostsTomlPath(dir, origin), content })
    }
  } catch (err) {
    if (INVALID_INPUT.has((err as Error).name)) throw new UsageError((err as Error).message, CONTAINERD_USAGE)
    throw err
  }
  const files: ConfiguredHost[] = []
  for (const p of planned) {
    if (options.dryRun) {
      files.push(p)
      continue
    }
    try {
      const { path, content } = await writeHostsToml({ dir, origin: p.origin, mirror, skipVerify: options.skipVerify })
      files.push({ origin: p.origin, path, content })
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
        (err as Error).message += `; writing under ${dir} needs root (run with sudo), or give another --dir`
      }
      throw err
    }
  }
  return { dir, mirror, dryRun: options.dryRun, files, hint: containerdHint(dir) }
}

/** containerd reads hosts.toml files only from a directory it is told about. */
export function containerdHint (dir: string): string {
  const quoted = JSON.stringify(dir)
  return `containerd reads these files only from the directory its config names. In
/etc/containerd/config.toml set (then restart containerd once; later changes
under ${dir} need no restart):

  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = ${quoted}

On containerd 2.x the section is [plugins."io.containerd.cri.v1.images".registry].
ctr reads them only when told: ctr images pull --hosts-dir ${quoted} IMAGE
`
}

export function formatConfigure (r: ConfigureResult): string {
  const files = r.files.map(f => `${r.dryRun ? 'would write' : 'wrote'} ${f.path}:\n${f.content}`).join('\n')
  return `${files}\n${r.hint}`
}
