/**
 * Where CSV reading lived before it was split into `src/data/csv.ts` (text, browser-safe) and
 * `src/node/csv-file.ts` (files). Kept only for test/train/breast-cancer.test.ts, which another
 * change owns; delete once that test imports from the new places.
 */
export { parseCsv, type Table } from '../data/csv.js';
export { readCsv } from '../node/csv-file.js';
