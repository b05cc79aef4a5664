/** Run the CLI's `main` in process with captured output. */
import { Writable } from 'node:stream'
import { main } from '../../src/cli/index.js'

export interface CliRun {
  code: number
  stdout: string
  stderr: string
  stdoutBytes: Buffer
}

class Capture extends Writable {
  readonly chunks: Buffer[] = []
  override _write (chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.chunks.push(Buffer.from(chunk))
    cb()
  }

  bytes (): Buffer { return Buffer.concat(this.chunks) }
}

/** `env` replaces the process environment entirely, so a developer's SHOAL_* never leaks in. */
export async function runCli (argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const stdout = new Capture()
  const stderr = new Capture()
  const code = await main(argv, { stdout, stderr, env: { HOME: '/nonexistent-home', ...env } })
  return { code, stdout: stdout.bytes().toString('utf8'), stderr: stderr.bytes().toString('utf8'), stdoutBytes: stdout.bytes() }
}
