/**
 * A small hand-made run, with every figure worked out by hand in
 * report.test.ts: three hosts in two regions, five good swarm pulls and a
 * failed one, six direct pulls.
 */
import type { PullRecord, ReportInput } from '../../../sim/report/index.js'

const pull = (host: string, region: string, image: string, startMs: number, endMs: number, local: number, peer: number, origin: number, ok = true): PullRecord => ({
  host, region, image, startMs, endMs, bytes: local + peer + origin, bytesBySource: { local, peer, origin }, ...(ok ? {} : { ok: false })
})

export function fixture (): ReportInput {
  return {
    scenario: 'hand',
    seed: 7,
    uniqueBytes: 3_000_000,
    topology: {
      originEgressBytesPerSecond: 4_000_000,
      hostDownlinkBytesPerSecond: 40_000_000,
      hostDownlinkBytesPerSecondByHost: { c: 2_000_000 },
      rttMs: 10
    },
    swarm: {
      pulls: [
        pull('a', 'eu', 'img:1', 0, 100, 0, 0, 1_000_000),
        pull('b', 'eu', 'img:1', 10, 60, 0, 1_000_000, 0),
        pull('c', 'us', 'img:1', 20, 600, 0, 600_000, 400_000),
        pull('a', 'eu', 'img:2', 300, 400, 0, 0, 2_000_000),
        pull('c', 'us', 'img:2', 310, 1500, 500_000, 1_500_000, 0),
        pull('b', 'eu', 'img:2', 320, 5000, 0, 0, 0, false)
      ],
      originEgressBytes: 3_400_000,
      crossRegionBytes: 600_000,
      providerRecordsPerHost: { a: 10, b: 4, c: 7 }
    },
    direct: {
      pulls: [
        pull('a', 'eu', 'img:1', 0, 500, 0, 0, 1_000_000),
        pull('b', 'eu', 'img:1', 10, 410, 0, 0, 1_000_000),
        pull('c', 'us', 'img:1', 20, 1020, 0, 0, 1_000_000),
        pull('a', 'eu', 'img:2', 300, 900, 0, 0, 2_000_000),
        pull('c', 'us', 'img:2', 310, 2310, 500_000, 0, 1_500_000),
        pull('b', 'eu', 'img:2', 320, 1320, 0, 0, 2_000_000)
      ],
      originEgressBytes: 8_500_000,
      crossRegionBytes: 0,
      originEgressSamples: [{ atMs: 2310, bytes: 8_500_000 }, { atMs: 0, bytes: 0 }, { atMs: 1000, bytes: 4_000_000 }]
    }
  }
}
