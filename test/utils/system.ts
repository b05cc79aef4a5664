/**
 * Helpers for tests that drive real system binaries (docker-registry,
 * containerd, skopeo): find them on PATH or skip naming the missing ones,
 * pick free ports, run a command to completion, and keep a long-running
 * daemon whose stderr tail is kept for the failure message.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants as fsConstants, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import type { Test } from 'tap'

/** How much of a daemon's output is kept for error messages. */
export const LOG_TAIL_BYTES = 64 * 1024
/** Default limit for one command run with `run`. */
export const RUN_TIMEOUT_MS = 120_000
/** How long `stop` waits after SIGTERM before SIGKILL. */
export const STOP_GRACE_MS = 5_000

/** The absolute path of `name` on PATH, or undefined. */
export function which (name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    const p = join(dir, name)
    try {
      if (!statSync(p).isFile()) continue
      accessSync(p, fsConstants.X_OK)
      return p
    } catch {
      // not there, or not executable: try the next directory
    }
  }
  return undefined
}

/**
 * True when every binary is on PATH. Otherwise the test is planned as a skip
 * whose message names the missing binaries, and false is returned: the caller
 * returns at once.
 */
export function requireBinaries (t: Test, names: string[]): boolean {
  const missing = names.filter(n => which(n) === undefined)
  if (missing.length === 0) return true
  t.plan(0, `needs system binar${missing.length === 1 ? 'y' : 'ies'} not found on PATH: ${missing.join(', ')}`)
  return false
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => {
        if (addr !== null && typeof addr === 'object') resolve(addr.port)
        else reject(new Error('no port'))
      })
    })
  })
}

export async function tempDir (prefix: string): Promise<string> {
  return await mkdtemp(join(tmpdir(), `shoal-${prefix}-`))
}

export async function removeDir (dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 })
}

export interface RunResult { stdout: string, stderr: string, code: number | null }

export class CommandError extends Error {
  override readonly name = 'CommandError'
  constructor (readonly command: string, readonly result: RunResult) {
    super(`${command} exited with ${String(result.code)}: ${result.stderr.trim() || result.stdout.trim()}`)
  }
}

/** Runs a command to completion; never rejects on a non-zero exit (see `runOk`). */
export async function run (cmd: string, args: string[], opts: { timeoutMs?: number, signal?: AbortSignal } = {}): Promise<RunResult> {
  const signals = [AbortSignal.timeout(opts.timeoutMs ?? RUN_TIMEOUT_MS)]
  if (opts.signal !== undefined) signals.push(opts.signal)
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], signal: AbortSignal.any(signals), killSignal: 'SIGKILL' })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s })
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  return await new Promise((resolve, reject) => {
    child.on('error', err => {
      if (err.name === 'AbortError') resolve({ stdout, stderr: stderr + `\n[${cmd} aborted: ${String(err.cause ?? err.message)}]`, code: null })
      else reject(err)
    })
    child.on('close', code => { resolve({ stdout, stderr, code }) })
  })
}

/** `run`, rejecting with a CommandError unless the exit code is 0. */
export async function runOk (cmd: string, args: string[], opts: { timeoutMs?: number, signal?: AbortSignal } = {}): Promise<RunResult> {
  const res = await run(cmd, args, opts)
  if (res.code !== 0) throw new CommandError([cmd, ...args].join(' '), res)
  return res
}

export interface WaitForOptions {
  timeoutMs?: number
  intervalMs?: number
  /** Appended to the error message (a daemon's log tail). */
  detail?: () => string
  /** Give up at once when this returns false (the daemon exited). */
  alive?: () => boolean
}

/**
 * Polls `check` (a throw counts as false) until it returns true; rejects after
 * `timeoutMs`, or as soon as `alive()` is false, naming `what` and `detail()`.
 */
export async function waitFor (what: string, check: () => Promise<boolean>, opts: WaitForOptions = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000)
  const detail = (): string => opts.detail === undefined ? '' : '\n' + opts.detail()
  while (true) {
    if (await check().catch(() => false)) return
    if (opts.alive !== undefined && !opts.alive()) throw new Error(`gave up waiting for ${what}: it exited${detail()}`)
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${detail()}`)
    await new Promise(resolve => setTimeout(resolve, opts.intervalMs ?? 50))
  }
}

/**
 * Polls `check` until it resolves, and returns its value; after `timeoutMs`
 * its last error, prefixed with `what`, is the failure.
 */
export async function eventually<T> (what: string, check: () => Promise<T>, opts: { timeoutMs?: number, intervalMs?: number } = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 20_000
  const deadline = Date.now() + timeoutMs
  while (true) {
    try {
      return await check()
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms: ${(err as Error).message}`)
      await new Promise(resolve => setTimeout(resolve, opts.intervalMs ?? 100))
    }
  }
}

/**
 * A long-running child process. Output goes to a bounded tail (for error
 * messages) and, with SHOAL_TEST_LOG set, to our stderr prefixed with `name`.
 */
export class Daemon {
  private child: ChildProcess | undefined
  private exited: Promise<void> = Promise.resolve()
  private tail = ''

  constructor (readonly name: string, readonly cmd: string, readonly args: string[]) {}

  get running (): boolean { return this.child !== undefined }

  /** The last LOG_TAIL_BYTES of the daemon's stdout and stderr, across restarts. */
  logs (): string { return this.tail }

  start (): void {
    if (this.child !== undefined) return
    const child = spawn(this.cmd, this.args, { stdio: ['ignore', 'pipe', 'pipe'] })
    this.child = child
    const echo = process.env.SHOAL_TEST_LOG !== undefined
    const onData = (s: string): void => {
      this.tail = (this.tail + s).slice(-LOG_TAIL_BYTES)
      if (echo) process.stderr.write(s.replace(/^(?=.)/gm, `[${this.name}] `))
    }
    child.stdout?.setEncoding('utf8').on('data', onData)
    child.stderr?.setEncoding('utf8').on('data', onData)
    this.exited = new Promise(resolve => {
      child.on('error', err => { onData(`[${this.name}: ${err.message}]\n`) })
      child.on('close', (code, signal) => {
        onData(`[${this.name} exited: ${signal ?? String(code)}]\n`)
        if (this.child === child) this.child = undefined
        resolve()
      })
    })
  }

  /** SIGTERM, then SIGKILL after STOP_GRACE_MS; resolves once the process has exited. */
  async stop (): Promise<void> {
    const child = this.child
    if (child === undefined) return await this.exited
    child.kill('SIGTERM')
    const timer = setTimeout(() => { child.kill('SIGKILL') }, STOP_GRACE_MS)
    try {
      await this.exited
    } finally {
      clearTimeout(timer)
    }
  }
}
