/**
 * Where table → dataset lived before it moved to `src/data/`. Kept only for
 * test/train/breast-cancer.test.ts and bench/ingest.ts, which another change owns; delete once that test imports
 * from the new places.
 */
export {
  classIndices,
  fitStandardization,
  standardize,
  stratifiedSplit,
  tableToExamples,
  takeRows,
} from '../data/examples.js';
export { readExamples } from '../node/csv-file.js';
