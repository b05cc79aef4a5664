/** What a cataloger hands back for one file: the packages it found and how many records it had to skip. */
import type { InventoryPackage } from './index.js'

export type FoundPackage = Omit<InventoryPackage, 'path'>

export interface CatalogResult {
  packages: FoundPackage[]
  /** Records (stanzas, manifests) that were not packages: no name, no version, unparseable. */
  skipped: number
}
