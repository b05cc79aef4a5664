/**
 * Chunker parameters: defaults, validation, and the refusal of unknown
 * options. Validated once, when a chunker is built, and again for every index
 * decoded, so a peer cannot hand over parameters the chunker would refuse.
 */
import {
  CHUNKER_NAME, DEFAULT_AVG_BYTES, DEFAULT_MAX_BYTES, DEFAULT_MIN_BYTES,
  MAX_MAX_BYTES, MIN_AVG_BYTES, MIN_MIN_BYTES
} from './constants.js'
import { InvalidChunkerParamsError } from './errors.js'
import type { ChunkerParams } from './types.js'

/** Shard size bounds of the content-defined chunker. */
export interface ChunkerOptions {
  /** Smallest shard but the last; no boundary is looked for before it. @default DEFAULT_MIN_BYTES (256 KiB), or avgBytes / 4 when only avgBytes is given */
  minBytes: number
  /** Target average; a power of two. @default DEFAULT_AVG_BYTES (1 MiB) */
  avgBytes: number
  /** Largest shard: a boundary is forced here. @default DEFAULT_MAX_BYTES (4 MiB), or avgBytes * 4 when only avgBytes is given */
  maxBytes: number
}

/** What a caller may pass: any of the bounds, and the name (so an index's `chunker` can be passed back as is). */
export interface ChunkerInit extends Partial<ChunkerOptions> {
  /** Must be `fastcdc-v1` when given. */
  name?: string
}

const PARAM_KEYS = ['name', 'minBytes', 'avgBytes', 'maxBytes']

/** Fill in defaults and validate. `extraKeys` are other options the caller's function accepts. */
export function resolveChunkerParams (init: ChunkerInit = {}, extraKeys: readonly string[] = []): ChunkerParams {
  for (const key of Object.keys(init)) {
    if (!PARAM_KEYS.includes(key) && !extraKeys.includes(key)) {
      throw new InvalidChunkerParamsError(`unknown chunker option ${JSON.stringify(key)}; the options are ${[...PARAM_KEYS, ...extraKeys].join(', ')}`)
    }
  }
  const onlyAvg = init.avgBytes !== undefined && init.minBytes === undefined && init.maxBytes === undefined
  const avgBytes = init.avgBytes ?? DEFAULT_AVG_BYTES
  const params: ChunkerParams = {
    name: init.name ?? CHUNKER_NAME,
    minBytes: init.minBytes ?? (onlyAvg ? avgBytes / 4 : DEFAULT_MIN_BYTES),
    avgBytes,
    maxBytes: init.maxBytes ?? (onlyAvg ? avgBytes * 4 : DEFAULT_MAX_BYTES)
  }
  validateChunkerParams(params)
  return params
}

/** Throws InvalidChunkerParamsError unless these are parameters `fastcdc-v1` can cut with. */
export function validateChunkerParams (p: ChunkerParams): void {
  if (p.name !== CHUNKER_NAME) {
    throw new InvalidChunkerParamsError(`unknown chunker ${JSON.stringify(p.name).slice(0, 80)}; this version knows only ${CHUNKER_NAME}`)
  }
  integerIn('avgBytes', p.avgBytes, MIN_AVG_BYTES, MAX_MAX_BYTES)
  integerIn('minBytes', p.minBytes, MIN_MIN_BYTES, MAX_MAX_BYTES)
  integerIn('maxBytes', p.maxBytes, MIN_AVG_BYTES, MAX_MAX_BYTES)
  if ((p.avgBytes & (p.avgBytes - 1)) !== 0) {
    const below = 2 ** Math.floor(Math.log2(p.avgBytes))
    throw new InvalidChunkerParamsError(`avgBytes must be a power of two (the masks come from log2(avgBytes)), got ${p.avgBytes}; try ${below} or ${below * 2}`)
  }
  if (!(p.minBytes < p.avgBytes && p.avgBytes < p.maxBytes)) {
    throw new InvalidChunkerParamsError(`need minBytes < avgBytes < maxBytes, got ${p.minBytes} / ${p.avgBytes} / ${p.maxBytes}`)
  }
}

function integerIn (what: string, value: unknown, lo: number, hi: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi) {
    throw new InvalidChunkerParamsError(`${what} must be an integer from ${lo} to ${hi}, got ${String(value).slice(0, 40)}`)
  }
}
