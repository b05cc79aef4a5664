/**
 * The Docker Hub catalog for the simulator's tests, found where the
 * simulator finds it (`$SHOAL_SHARED_DATA`, `../shared/data` next to the
 * repository, `/work/shared/data`) and read in place. Without it, the tests
 * that need it are skipped with a message naming where it was looked for.
 */
import type { Test } from 'tap'
import { CATALOG_FILE, findCatalogFile, loadCatalog, sharedDataCandidates, type Catalog } from '../../../sim/workload/index.js'

export const CATALOG_PATH: string | undefined = findCatalogFile()

export const MISSING_CATALOG = `needs the Docker Hub catalog (looked for ${CATALOG_FILE} in ${sharedDataCandidates().join(', ')}; set SHOAL_SHARED_DATA)`

/** The real catalog, or undefined when it is absent. */
export async function realCatalog (): Promise<Catalog | undefined> {
  return CATALOG_PATH === undefined ? undefined : await loadCatalog({ file: CATALOG_PATH })
}

/** `t.test` when the catalog is there; otherwise one skipped test naming where it was looked for. */
export function withCatalog (t: Test): Test['test'] {
  if (CATALOG_PATH !== undefined) return t.test.bind(t)
  let skipped = false
  return ((name: string) => {
    if (!skipped) { skipped = true; void t.test(name, { skip: MISSING_CATALOG }, async () => {}) }
  }) as unknown as Test['test']
}
