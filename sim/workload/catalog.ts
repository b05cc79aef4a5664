/**
 * The Docker Hub catalog (`<shared data>/catalog/dockerhub-top150.json`) is
 * loaded by the product's trace generator (`src/predict/trace/catalog.ts`):
 * found where the tests find the shared data, read in place, and a synthetic
 * catalog with the same published statistics when it is absent. The
 * simulator's workloads use the same loader, so both see the same images.
 */
export {
  findCatalogFile, loadCatalog, parseCatalog, sharedDataCandidates, sortByPopularity,
  type Catalog, type CatalogLayer, type CatalogRepo, type LoadCatalogOptions
} from '../../src/predict/trace/catalog.js'
