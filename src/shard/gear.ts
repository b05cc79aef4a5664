/**
 * The gear hash of FastCDC: `h = (h << 1) + GEAR[byte]` in 32 bits, so h
 * depends on the last 32 bytes only. A boundary falls after a byte when the
 * bits of `mask` are all zero in h. The masks take the TOP bits, which depend
 * on the most bytes. The table is fixed (a seeded PRNG at load), because every
 * node must cut the same bytes at the same places.
 *
 * Two scanners with the same behaviour: WebAssembly (fast, `gear-wasm.ts`)
 * and JavaScript (the reference, and the fallback where WebAssembly is off,
 * e.g. `node --jitless`).
 */
import { GEAR_SEED, NORMALIZATION_LEVEL, SCAN_WINDOW_BYTES } from './constants.js'
import { gearScanModule } from './gear-wasm.js'

/** 256 pseudo-random 32-bit words: murmur3's finalizer over a Weyl sequence (splitmix32) from GEAR_SEED. */
export const GEAR: Uint32Array = gearTable(GEAR_SEED)

function gearTable (seed: number): Uint32Array {
  const table = new Uint32Array(256)
  let s = seed >>> 0
  for (let i = 0; i < 256; i++) {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    table[i] = (z ^ (z >>> 16)) >>> 0
  }
  return table
}

/** Masks (as int32) for a target average: `hard` before avgBytes, `easy` after (normalized chunking). */
export interface GearMasks {
  hard: number
  easy: number
}

export function gearMasks (avgBytes: number): GearMasks {
  const bits = Math.round(Math.log2(avgBytes))
  return { hard: topBits(bits + NORMALIZATION_LEVEL), easy: topBits(bits - NORMALIZATION_LEVEL) }
}

function topBits (n: number): number {
  return n >= 32 ? -1 : ~(-1 >>> n)
}

/** Finds gear boundaries. The rolling hash carries over from call to call until `reset()`. */
export interface GearScanner {
  reset (): void
  /** Roll bytes [from, to) in; the index just past the first byte after which (h & mask) == 0, or -1. */
  scan (bytes: Uint8Array, from: number, to: number, mask: number): number
}

export class JsGearScanner implements GearScanner {
  private h = 0

  reset (): void {
    this.h = 0
  }

  scan (bytes: Uint8Array, from: number, to: number, mask: number): number {
    const gear = GEAR
    let h = this.h
    for (let i = from; i < to; i++) {
      h = ((h << 1) + gear[bytes[i]!]!) | 0
      if ((h & mask) === 0) {
        this.h = h
        return i + 1
      }
    }
    this.h = h
    return -1
  }
}

// Minimal typings: the project's lib setting (ES2023, no DOM) has no WebAssembly types.
interface WasmGlobal { value: number }
interface WasmMemory { buffer: ArrayBuffer }
interface WasmExports { memory: WasmMemory, hash: WasmGlobal, scan: (p: number, end: number, mask: number) => number }
interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object) => { exports: WasmExports }
}

const TABLE_BYTES = 256 * 4
const WASM_PAGE_BYTES = 64 * 1024
const WASM_PAGES = Math.ceil((TABLE_BYTES + SCAN_WINDOW_BYTES) / WASM_PAGE_BYTES)
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly
let wasmModule: object | undefined

/** Copies bytes into its own WebAssembly memory, SCAN_WINDOW_BYTES at a time, and scans them there. */
export class WasmGearScanner implements GearScanner {
  private readonly exports: WasmExports
  private readonly memory: Uint8Array

  constructor (api: WasmApi) {
    wasmModule ??= new api.Module(gearScanModule(WASM_PAGES))
    this.exports = new api.Instance(wasmModule).exports
    this.memory = new Uint8Array(this.exports.memory.buffer)
    const table = new DataView(this.exports.memory.buffer, 0, TABLE_BYTES)
    for (let i = 0; i < 256; i++) table.setUint32(i * 4, GEAR[i]!, true)
  }

  reset (): void {
    this.exports.hash.value = 0
  }

  scan (bytes: Uint8Array, from: number, to: number, mask: number): number {
    for (let pos = from; pos < to;) {
      const n = Math.min(to - pos, SCAN_WINDOW_BYTES)
      this.memory.set(bytes.subarray(pos, pos + n), TABLE_BYTES)
      const end = this.exports.scan(TABLE_BYTES, TABLE_BYTES + n, mask)
      if (end !== 0) return pos + end - TABLE_BYTES
      pos += n
    }
    return -1
  }
}

/** The WebAssembly scanner where WebAssembly runs, else the JavaScript one. */
export function createGearScanner (): GearScanner {
  return wasmApi !== undefined ? new WasmGearScanner(wasmApi) : new JsGearScanner()
}
