/**
 * Real daemons on loopback, for the simulator, the benchmarks and the
 * multi-node tests: `spawn` starts `shoal daemon` processes (each with its own
 * data directory, admin socket and log file), `connect` bootstraps them to the
 * first, `teardown` stops them all. Every call goes through the daemon's
 * admin API, as a user's would.
 */
import { spawn as spawnProcess, type ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { AdminClient } from '../src/cli/admin-client.js'
import type { DaemonStatus } from '../src/daemon/api.js'

const here = dirname(fileURLToPath(import.meta.url))
/** bin/shoal.js, from dist/sim/ or sim/. */
export const SHOAL_BIN = resolve(here, here.includes(`${'dist'}`) ? '../../bin/shoal.js' : '../bin/shoal.js')

export interface NodeHandle {
  name: string
  dataDir: string
  socket: string
  logFile: string
  process: ChildProcess
  admin: AdminClient
  status: DaemonStatus
  /** The registry mirror URL (each daemon gets a free port). */
  mirror: string
  /** A dialable multiaddr with the peer id. */
  addr: string
}

export interface ClusterInit {
  /** Parent of every node's data directory. @default a new temp dir */
  dir?: string
  /** Extra flags for every daemon. */
  args?: string[]
  logLevel?: string
  env?: NodeJS.ProcessEnv
  /** Extra node flags for every daemon, e.g. `--cpu-prof`. */
  nodeArgs?: string[]
  /** The script that runs a daemon, with its arguments before the daemon's options. @default [bin/shoal.js, 'daemon'] */
  entry?: string[]
  /** How long a daemon may take to answer on its admin socket. @default 20 s */
  startTimeoutMs?: number
}

export class Cluster {
  readonly nodes: NodeHandle[] = []
  /** Every process started, answering yet or not: teardown stops them all. */
  private readonly processes = new Set<ChildProcess>()
  private dir = ''
  private ownsDir = false

  constructor (private readonly init: ClusterInit = {}) {}

  /** Start one daemon. With `bootstrap`, it dials those addresses at start. */
  async spawn (name: string, opts: { region?: string, bootstrap?: string[], args?: string[], listen?: string, entryArgs?: string[] } = {}): Promise<NodeHandle> {
    if (this.dir === '') {
      if (this.init.dir != null) { this.dir = this.init.dir; await mkdir(this.dir, { recursive: true }) } else { this.dir = await mkdtemp(join(tmpdir(), 'shoal-cluster-')); this.ownsDir = true }
    }
    const dataDir = join(this.dir, name)
    await mkdir(dataDir, { recursive: true })
    const socket = join(dataDir, 'admin.sock')
    const logFile = join(dataDir, 'daemon.log')
    const args = [
      ...(this.init.nodeArgs ?? []),
      '--import', resolve(dirname(SHOAL_BIN), '../dist/src/polyfill.js'), ...(this.init.entry ?? [SHOAL_BIN, 'daemon']), ...(opts.entryArgs ?? []),
      '--data', dataDir, '--admin', socket, '--listen', opts.listen ?? '/ip4/127.0.0.1/tcp/0', '--mirror', '127.0.0.1:0',
      '--region', opts.region ?? 'local', '--log-level', this.init.logLevel ?? 'info',
      ...(opts.bootstrap ?? []).flatMap(b => ['--bootstrap', b]),
      ...(this.init.args ?? []), ...(opts.args ?? [])
    ]
    const child = spawnProcess(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...this.init.env } })
    this.processes.add(child)
    const log = createWriteStream(logFile)
    child.stderr?.pipe(log)
    const admin = new AdminClient(socket)
    const status = await waitForStatus(admin, child, name, logFile, this.init.startTimeoutMs)
    const addr = `${status.listen.find(a => a.includes('/tcp/')) ?? status.listen[0]}`
    const handle: NodeHandle = { name, dataDir, socket, logFile, process: child, admin, status, mirror: status.mirror ?? '', addr: addr.includes('/p2p/') ? addr : `${addr}/p2p/${status.peerId}` }
    this.nodes.push(handle)
    return handle
  }

  /** Start `n` daemons, the first as everyone's bootstrap peer. */
  async spawnMany (n: number, prefix = 'node', opts: { region?: string } = {}): Promise<NodeHandle[]> {
    const first = await this.spawn(`${prefix}-0`, opts)
    const rest = await Promise.all(Array.from({ length: n - 1 }, async (_v, i) => this.spawn(`${prefix}-${i + 1}`, { ...opts, bootstrap: [first.addr] })))
    return [first, ...rest]
  }

  /** Wait until every node has at least `min` connections. */
  async connected (min = 1, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (const n of this.nodes) {
      while (true) {
        const s = await n.admin.status()
        if (s.connections >= min) break
        if (Date.now() > deadline) throw new Error(`${n.name} has ${s.connections} connections after ${timeoutMs} ms (wanted ${min}); see ${n.logFile}`)
        await sleep(100)
      }
    }
  }

  /** SIGKILL a node: no clean shutdown, as a crash or a pulled cable. */
  kill (node: NodeHandle): void {
    node.process.kill('SIGKILL')
  }

  async teardown (opts: { keep?: boolean } = {}): Promise<void> {
    await Promise.all([...this.processes].map(async p => {
      if (p.exitCode != null || p.signalCode != null) return
      const exited = new Promise(resolve => p.once('exit', resolve))
      p.kill('SIGTERM')
      const t = setTimeout(() => p.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(t)
    }))
    this.processes.clear()
    this.nodes.length = 0
    if (this.ownsDir && opts.keep !== true) await rm(this.dir, { recursive: true, force: true })
  }
}

async function waitForStatus (admin: AdminClient, child: ChildProcess, name: string, logFile: string, timeoutMs = 20_000): Promise<DaemonStatus> {
  const deadline = Date.now() + timeoutMs
  while (true) {
    if (child.exitCode != null) throw new Error(`daemon ${name} exited with code ${child.exitCode}; see ${logFile}`)
    try {
      return await admin.status()
    } catch {
      if (Date.now() > deadline) throw new Error(`daemon ${name} did not answer on its admin socket within ${timeoutMs} ms; see ${logFile}`)
      await sleep(50)
    }
  }
}

export async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}
