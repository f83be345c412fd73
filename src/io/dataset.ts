/**
 * Where table → dataset lived before it moved to `src/data/`. Kept only for
 * test/train/breast-cancer.test.ts and bench/ingest.ts, which another change owns; delete once
 * they import from the new places.
 */
export { tableToExamples } from '../data/examples.js';
export { classIndices, stratifiedSplit, takeRows } from '../data/split.js';
export { fitStandardization, standardize } from '../data/standardize.js';
export { readExamples } from '../node/csv-file.js';
