/**
 * Stack layer inventories into the image's, as an overlay filesystem would
 * show it: walking from the top layer down, each layer hides from the ones
 * below it whatever it whites out (`.wh.NAME`: that path and everything under
 * it), everything below an opaque directory, and every path it puts a
 * non-directory at (and everything under such a path). A layer never hides
 * its own entries. Packages go with the file they were read from, so a
 * package database rewritten in an upper layer replaces the lower one's
 * packages wholesale, and a deleted `node_modules/x` takes `x` with it.
 */
import type { ImageInventory, LayerInventory } from './index.js'

class HiddenPaths {
  /** Paths hidden together with everything under them. */
  readonly #gone = new Set<string>()
  /** Directories whose lower contents are hidden (the directory itself stays). */
  readonly #opaque = new Set<string>()

  hide (path: string): void {
    this.#gone.add(path)
  }

  hideContents (dir: string): void {
    this.#opaque.add(dir)
  }

  covers (path: string): boolean {
    if (this.#opaque.has('')) return true
    for (let slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
      const ancestor = path.slice(0, slash)
      if (this.#gone.has(ancestor) || this.#opaque.has(ancestor)) return true
    }
    return this.#gone.has(path)
  }
}

/** `layers` in manifest order, the base layer first; `layer` in the result indexes into it. */
export function applyWhiteouts (layers: LayerInventory[]): ImageInventory {
  const hidden = new HiddenPaths()
  const files: Array<ImageInventory['files']> = []
  const packages: Array<ImageInventory['packages']> = []
  const counts = { files: 0, packages: 0 }
  let os: ImageInventory['os']
  for (let layer = layers.length - 1; layer >= 0; layer--) {
    const inventory = layers[layer]!
    const visibleFiles = inventory.files.filter(f => !hidden.covers(f.path))
    const visiblePackages = inventory.packages.filter(p => !hidden.covers(p.path))
    counts.files += inventory.files.length - visibleFiles.length
    counts.packages += inventory.packages.length - visiblePackages.length
    files[layer] = visibleFiles.map(f => ({ ...f, layer }))
    packages[layer] = visiblePackages.map(p => ({ ...p, layer }))
    if (os === undefined && inventory.os !== undefined && !hidden.covers(inventory.os.path)) os = { ...inventory.os, layer }
    for (const path of inventory.whiteouts.files) hidden.hide(path)
    for (const dir of inventory.whiteouts.opaqueDirs) hidden.hideContents(dir)
    for (const file of inventory.files) hidden.hide(file.path)
    for (const path of inventory.others) hidden.hide(path)
  }
  const image: ImageInventory = { packages: packages.flat(), files: files.flat(), hidden: counts }
  if (os !== undefined) image.os = os
  return image
}
