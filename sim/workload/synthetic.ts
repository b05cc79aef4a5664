/**
 * The synthetic catalog (for a machine without the shared data) is the
 * product's (`src/predict/trace/synthetic-catalog.ts`): the published
 * statistics of layer sizes, layers per image, sharing and pull counts.
 */
export {
  syntheticCatalog, SYNTHETIC_MAX_LAYERS, SYNTHETIC_MEDIAN_LAYERS, SYNTHETIC_REPOS, SYNTHETIC_TOP_PULLS,
  SYNTHETIC_ZIPF_EXPONENT, type SyntheticCatalogOptions
} from '../../src/predict/trace/synthetic-catalog.js'
