/**
 * bench:transfer: 256 MiB from one daemon process to another process over the
 * shard protocol (Noise + Yamux, every shard verified on arrival), against a
 * plain TCP socket copy of the same number of bytes between two processes,
 * measured in the same run, alternating, best of N each.
 *
 *   npm run bench:transfer [-- --size-mib 256] [--runs 3] [--streams 4] [--json]
 *
 * --streams defaults to the fetch scheduler's requests per peer.
 */
import { spawn } from 'node:child_process'
import { randomFillSync } from 'node:crypto'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { Cluster } from '../sim/cluster.js'
import { createNode } from '../src/node/create.js'
import { ExchangeClient, FETCH_STREAMS_PER_PEER, PeerStats, TrafficCounter } from '../src/exchange/index.js'
import { parseBenchArgs, randomStream, report } from './util.js'

const MiB = 1024 * 1024
const args = parseBenchArgs(process.argv.slice(2), { 'size-mib': 256, runs: 3, streams: FETCH_STREAMS_PER_PEER })

if (args.role === 'tcp-server') {
  // Child: send `size` bytes to every connection, then close it.
  const pool = randomFillSync(Buffer.allocUnsafe(4 * MiB))
  const server = net.createServer(sock => {
    let sent = 0
    const size = args['size-mib'] * MiB
    const pump = (): void => {
      while (sent < size) {
        const n = Math.min(pool.length, size - sent)
        sent += n
        if (!sock.write(pool.subarray(0, n))) { sock.once('drain', pump); return }
      }
      sock.end()
    }
    pump()
  })
  server.listen(0, '127.0.0.1', () => { process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`) })
} else {
  await main()
}

async function tcpRun (port: number): Promise<number> {
  const started = performance.now()
  let got = 0
  await new Promise<void>((resolve, reject) => {
    net.connect(port, '127.0.0.1').on('data', (c: Buffer) => { got += c.length }).on('end', resolve).on('error', reject)
  })
  return got / MiB / ((performance.now() - started) / 1000)
}

async function main (): Promise<void> {
  const sizeBytes = args['size-mib'] * MiB
  const tcpChild = spawn(process.execPath, [fileURLToPath(import.meta.url), '--role', 'tcp-server', '--size-mib', String(args['size-mib'])], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<number>(resolve => tcpChild.stdout.once('data', (d: Buffer) => { resolve(Number(d.toString().trim())) }))

  const cluster = new Cluster({ logLevel: 'warn' })
  const node = await createNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  try {
    const source = await cluster.spawn('source')
    const added = await source.admin.add(randomStream(sizeBytes, 1))
    const stats = new PeerStats()
    const client = new ExchangeClient({ dialer: node, stats, traffic: new TrafficCounter() })
    const peer = peerIdFromString(source.status.peerId)
    await node.dial(multiaddr(source.addr))
    const index = await client.getIndex(peer, added.digest)
    if (index == null) throw new Error('the source has no index for the blob it just added')

    const p2pRun = async (): Promise<number> => {
      const started = performance.now()
      let next = 0
      let got = 0
      await Promise.all(Array.from({ length: args.streams }, async () => {
        while (next < index.shards.length) {
          const ref = index.shards[next++]!
          const res = await client.getShard(peer, ref.cid, ref.length)
          got += res.bytes.byteLength
        }
      }))
      if (got !== sizeBytes) throw new Error(`got ${got} bytes, wanted ${sizeBytes}`)
      return got / MiB / ((performance.now() - started) / 1000)
    }

    const tcp: number[] = []
    const p2p: number[] = []
    await p2pRun() // warm-up: JIT, connection windows
    for (let i = 0; i < args.runs; i++) {
      tcp.push(await tcpRun(port))
      p2p.push(await p2pRun())
    }
    const libp2pMBps = Math.max(...p2p)
    const tcpMBps = Math.max(...tcp)
    report(args.json, [
      ['shard protocol (libp2p, Noise, Yamux, verified)', `${libp2pMBps.toFixed(0)} MiB/s`, p2p.map(x => x.toFixed(0)).join(' ')],
      ['plain TCP socket', `${tcpMBps.toFixed(0)} MiB/s`, tcp.map(x => x.toFixed(0)).join(' ')]
    ], {
      libp2pMBps: round(libp2pMBps), tcpMBps: round(tcpMBps), ratio: round(libp2pMBps / tcpMBps, 3),
      sizeMiB: args['size-mib'], shards: index.shards.length, streams: args.streams, runs: args.runs
    }, `ratio ${(libp2pMBps / tcpMBps).toFixed(2)} (target >= 0.5)`)
  } finally {
    tcpChild.kill()
    await node.stop()
    await cluster.teardown()
  }
}

function round (x: number, digits = 1): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}
