/**
 * A private containerd for end-to-end tests: its own root, state and socket
 * in a temp dir, only the plugins an image pull needs (no CRI, no runtimes,
 * native snapshotter only), driven with `ctr`. Pulls resolve registries
 * through a hosts dir (`hosts.toml` per origin, see `writeHostsToml`), the
 * way a node pointed at the shoal mirror does.
 */
import { readFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Daemon, removeDir, run, runOk, tempDir, waitFor, type RunResult } from './system.js'

/** Namespace every ctr call uses. */
export const NAMESPACE = 'shoal-test'
const READY_TIMEOUT_MS = 20_000
const PULL_TIMEOUT_MS = 180_000

/**
 * Plugins that cannot work here (CRI, other snapshotters, task runtimes) or
 * that log errors or touch paths outside the temp dir (`opt` creates
 * /opt/containerd). What is left: content, metadata, native snapshotter,
 * walking differ, GC, and the image/content/snapshot/lease services.
 */
const DISABLED_PLUGINS = [
  'io.containerd.grpc.v1.cri',
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.snapshotter.v1.overlayfs',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.internal.v1.opt',
  'io.containerd.internal.v1.restart',
  'io.containerd.runtime.v1.linux',
  'io.containerd.runtime.v2.task',
  'io.containerd.monitor.v1.cgroups',
  'io.containerd.service.v1.tasks-service',
  'io.containerd.grpc.v1.tasks',
  'io.containerd.internal.v1.tracing',
  'io.containerd.tracing.processor.v1.otlp'
]

export interface PullOptions {
  /** @default the instance's hostsDir */
  hostsDir?: string
  /** Pass `--plain-http`: lets ctr talk HTTP to a registry that has no hosts.toml. */
  plainHttp?: boolean
  /** e.g. `linux/arm64`; @default the host's */
  platform?: string
  /** Fetch every platform of an index (ctr then unpacks none). */
  allPlatforms?: boolean
  /** `user:password` */
  user?: string
  /** Pass `--http-trace`: ctr prints each request it makes to stdout. */
  httpTrace?: boolean
  timeoutMs?: number
}

export interface TestContainerd {
  socket: string
  root: string
  state: string
  /** An empty hosts dir owned by this instance; `writeHostsToml` into it. */
  hostsDir: string
  logs: () => string
  /** Runs `ctr -a SOCKET -n NAMESPACE ...args`. */
  ctr: (args: string[], opts?: { timeoutMs?: number }) => Promise<RunResult>
  /** `ctr images pull --snapshotter native`; resolves with the outcome, never rejects on failure. */
  pull: (ref: string, opts?: PullOptions) => Promise<RunResult>
  /** Image names in the namespace. */
  images: () => Promise<string[]>
  /** Deletes the image and waits for garbage collection. */
  removeImage: (ref: string) => Promise<void>
  /** Digests of every blob in the content store. */
  contentDigests: () => Promise<string[]>
  /** Kills containerd, unmounts anything left under root, removes the temp dirs. */
  stop: () => Promise<void>
}

/**
 * Writes `hostsDir/<originHost>/hosts.toml`: pulls of `originHost/...` go to
 * `mirrorUrl` first and, if it fails (refused, 404, 5xx: per request, with no
 * error), to the origin over plain HTTP. Without a mirror the origin itself is
 * the one `[host]`: containerd 1.6 rejects a hosts.toml with no `[host]` table
 * ("invalid `host` tree"), logs it and falls back to HTTPS.
 */
export async function writeHostsToml (hostsDir: string, originHost: string, mirrorUrl?: string): Promise<string> {
  const dir = join(hostsDir, originHost)
  await mkdir(dir, { recursive: true })
  const path = join(dir, 'hosts.toml')
  await writeFile(path, [
    `server = "http://${originHost}"`,
    '',
    `[host."${mirrorUrl ?? `http://${originHost}`}"]`,
    '  capabilities = ["pull", "resolve"]',
    ''
  ].join('\n'))
  return path
}

function configToml (root: string, state: string, socket: string): string {
  return [
    'version = 2',
    `root = ${JSON.stringify(root)}`,
    `state = ${JSON.stringify(state)}`,
    `disabled_plugins = ${JSON.stringify(DISABLED_PLUGINS)}`,
    '',
    '[grpc]',
    `  address = ${JSON.stringify(socket)}`,
    '',
    '[ttrpc]',
    `  address = ${JSON.stringify(socket + '.ttrpc')}`,
    '',
    '[debug]',
    '  level = "warn"',
    ''
  ].join('\n')
}

/** Mount points at or below `dir`, deepest first (from /proc/self/mountinfo). */
async function mountsUnder (dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '')
  const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)))
  return info.split('\n')
    .map(line => unescape(line.split(' ')[4] ?? ''))
    .filter(mp => mp === dir || mp.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length)
}

export async function startContainerd (): Promise<TestContainerd> {
  const dir = await tempDir('containerd')
  const root = join(dir, 'root')
  const state = join(dir, 'state')
  const hostsDir = join(dir, 'hosts.d')
  const socket = join(dir, 'containerd.sock')
  const configPath = join(dir, 'config.toml')
  await mkdir(hostsDir)
  await writeFile(configPath, configToml(root, state, socket))
  const daemon = new Daemon('containerd', 'containerd', ['--config', configPath])

  const ctr = async (args: string[], opts: { timeoutMs?: number } = {}): Promise<RunResult> =>
    await run('ctr', ['-a', socket, '-n', NAMESPACE, ...args], opts)
  const ctrOk = async (args: string[]): Promise<RunResult> =>
    await runOk('ctr', ['-a', socket, '-n', NAMESPACE, ...args])

  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    await daemon.stop()
    for (const mp of await mountsUnder(dir)) await run('umount', ['-l', mp])
    await removeDir(dir)
  }

  try {
    daemon.start()
    await waitFor('containerd to answer on its socket', async () => (await run('ctr', ['-a', socket, 'version'], { timeoutMs: 5_000 })).code === 0,
      { timeoutMs: READY_TIMEOUT_MS, intervalMs: 100, detail: () => daemon.logs(), alive: () => daemon.running })
  } catch (err) {
    await stop()
    throw err
  }

  return {
    socket,
    root,
    state,
    hostsDir,
    logs: () => daemon.logs(),
    ctr,
    async pull (ref, opts = {}) {
      return await ctr([
        'images', 'pull',
        '--hosts-dir', opts.hostsDir ?? hostsDir,
        '--snapshotter', 'native',
        ...(opts.plainHttp === true ? ['--plain-http'] : []),
        ...(opts.platform === undefined ? [] : ['--platform', opts.platform]),
        ...(opts.allPlatforms === true ? ['--all-platforms'] : []),
        ...(opts.user === undefined ? [] : ['--user', opts.user]),
        ...(opts.httpTrace === true ? ['--http-trace'] : []),
        ref
      ], { timeoutMs: opts.timeoutMs ?? PULL_TIMEOUT_MS })
    },
    async images () {
      return (await ctrOk(['images', 'ls', '-q'])).stdout.split('\n').filter(s => s !== '')
    },
    async removeImage (ref) {
      await ctrOk(['images', 'rm', '--sync', ref])
    },
    async contentDigests () {
      return (await ctrOk(['content', 'ls', '-q'])).stdout.split('\n').filter(s => s !== '')
    },
    stop
  }
}
