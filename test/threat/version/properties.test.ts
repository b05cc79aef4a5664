import t from 'tap'
import { compareVersions, isOrderable, type Ecosystem } from '../../../src/threat/index.js'
import { GOLDEN_FILES, goldenVersions, prng } from './golden.js'
import { THREAT_DIR, withThreatData } from '../../utils/shared-data.js'

const test = withThreatData(t)

/** Versions per sample; every triple of a sample is checked (SAMPLE^3 comparisons a round). */
const SAMPLE = 24
const ROUNDS = 6

const seed = Number(process.env.SHOAL_VERSION_SEED ?? Date.now() % 1_000_000)

const versions = new Map<Ecosystem, string[]>()
for (const { file, ecosystem } of THREAT_DIR != null ? GOLDEN_FILES : []) {
  versions.set(ecosystem, [...new Set([...(versions.get(ecosystem) ?? []), ...goldenVersions(file)])])
}

if (versions.size === 0) test('a total order on random samples of the golden versions', async () => {})
for (const [ecosystem, all] of versions) {
  test(`${ecosystem}: a total order on random samples of the golden versions`, async t => {
    t.comment(`seed ${seed} (replay with SHOAL_VERSION_SEED=${seed})`)
    const orderable = all.filter(v => isOrderable(ecosystem, v))
    t.ok(orderable.length >= Math.min(all.length, 30), `${orderable.length} of ${all.length} golden versions are orderable`)
    const rand = prng(seed)
    const cmp = (a: string, b: string): number => compareVersions(ecosystem, a, b)
    const failures: string[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const sample = Array.from({ length: SAMPLE }, () => orderable[Math.floor(rand() * orderable.length)] ?? '')
      for (const a of sample) {
        if (cmp(a, a) !== 0) failures.push(`${a} != itself`)
        for (const b of sample) {
          const ab = cmp(a, b)
          if (ab !== -cmp(b, a)) failures.push(`antisymmetry: ${a} vs ${b}`)
          for (const c of sample) {
            const bc = cmp(b, c)
            // a <= b <= c implies a <= c, strictly if either step is strict.
            if (ab <= 0 && bc <= 0 && cmp(a, c) !== Math.min(ab, bc)) failures.push(`transitivity: ${a} ${ab} ${b} ${bc} ${c}`)
          }
        }
      }
    }
    t.same(failures.slice(0, 10), [], `order laws hold (seed ${seed})`)
  })
}
