/**
 * Seeded draws for the workload generators: the same splitmix32 streams the
 * trace generator uses (`src/predict/trace/prng.ts`), so the same seed gives
 * the same plan on every machine. Each part of a plan (each region's
 * arrivals, each layer's bytes) gets its own stream from
 * `deriveSeed(seed, label)`, so adding a region or an image does not
 * reshuffle the others.
 */
export { deriveSeed, Rng, WeightedPicker } from '../../src/predict/trace/prng.js'
