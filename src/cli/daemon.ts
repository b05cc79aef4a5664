/**
 * `shoal daemon ...`: hand over to the daemon's own entry point. Loaded
 * lazily, so that the other commands never load libp2p.
 */
import type { CliContext } from './context.js'

export async function daemonCommand (args: string[], ctx: CliContext): Promise<number> {
  // Flags given before `daemon` (shoal --data DIR daemon) apply to it too; its own flags come after and win.
  const inherited = [
    ...(ctx.global.data != null ? ['--data', ctx.global.data] : []),
    ...(ctx.global.admin != null ? ['--admin', ctx.global.admin] : [])
  ]
  const { runDaemon } = await import('../daemon/main.js')
  return await runDaemon([...inherited, ...args], { stdout: ctx.stdout, stderr: ctx.stderr })
}
