/**
 * The process store-crash.test.ts kills: opens a feed store, runs one add
 * or update of the feed `osv`, and SIGKILLs itself right after its Nth
 * database write (put, batch, del or clear) completes, the way a crash or
 * an OOM kill would stop it. Without a kill it prints how many writes the
 * operation made.
 *
 *   crash-child.ts <store path> add|update <source> <kill after N writes>
 */
import { ClassicLevel } from 'classic-level'
import { ThreatFeedStore } from '../../../src/threat/feeds/index.js'

const [path = '', op = '', source = '', killAfter = ''] = process.argv.slice(2)
const limit = Number(killAfter)
let writes = 0
const proto = ClassicLevel.prototype as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>
for (const method of ['put', 'batch', 'del', 'clear']) {
  const original = proto[method] as (...args: unknown[]) => Promise<unknown>
  proto[method] = async function (this: unknown, ...args: unknown[]) {
    const result = await original.apply(this, args)
    if (++writes === limit) process.kill(process.pid, 'SIGKILL')
    return result
  }
}

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }
const store = await ThreatFeedStore.open({ path, logger: quiet })
if (op === 'add') await store.add({ source, name: 'osv' })
else await store.update({ name: 'osv' })
await store.close()
process.stdout.write(JSON.stringify({ writes }) + '\n')
