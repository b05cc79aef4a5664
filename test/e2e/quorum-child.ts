/**
 * A seed daemon for the quorum's real-process tests, with a connection
 * gater the test switches from outside:
 *
 *   node --import dist/src/polyfill.js dist/test/e2e/quorum-child.js GATE-FILE [daemon options]
 *
 * GATE-FILE holds peer ids, one a line (no file: none). Connections to and
 * from those peers are refused, and on SIGUSR2 the file is read again and
 * the connections already open to newly gated peers are cut, so a running
 * seed can be partitioned away and healed without a restart.
 */
import { readFileSync } from 'node:fs'
import type { ConnectionGater, MultiaddrConnection, PeerId } from '@libp2p/interface'
import { runDaemon } from '../../src/daemon/main.js'

const [gateFile, ...daemonArgs] = process.argv.slice(2)
if (gateFile == null) {
  process.stderr.write('usage: quorum-child.js GATE-FILE [daemon options]\n')
  process.exit(2)
}

let gated = new Set<string>()
/** Raw connections by remote peer, so that a gate switched on can cut the ones already open. */
const open = new Map<string, Set<MultiaddrConnection>>()

function readGate (): void {
  let text = ''
  try { text = readFileSync(gateFile!, 'utf8') } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err }
  gated = new Set(text.split('\n').map(s => s.trim()).filter(Boolean))
  for (const [peer, conns] of open) {
    if (!gated.has(peer)) continue
    for (const c of conns) c.abort(new Error('cut by the test gate'))
    open.delete(peer)
  }
  process.stderr.write(JSON.stringify({ msg: 'test gate', gated: [...gated] }) + '\n')
}

function track (peer: PeerId, conn: MultiaddrConnection): boolean {
  const id = peer.toString()
  if (gated.has(id)) return true
  const set = open.get(id) ?? new Set()
  set.add(conn)
  open.set(id, set)
  conn.addEventListener('close', () => { set.delete(conn) }, { once: true })
  return false
}

const gater: ConnectionGater = {
  denyDialPeer: peer => gated.has(peer.toString()),
  denyInboundEncryptedConnection: track,
  denyOutboundEncryptedConnection: track
}

readGate()
process.on('SIGUSR2', readGate)
process.exitCode = await runDaemon(daemonArgs, {}, { connectionGater: gater })
