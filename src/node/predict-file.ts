/**
 * Predictions and evaluation over a CSV file read in chunks: rows are gathered into batches of
 * {@link PREDICT_BATCH_ROWS}, each batch is predicted and handed on, and nothing of the file is
 * kept beyond the batch (evaluation keeps a byte per row in memory, and a classifier's scores in a
 * temporary file until its exact ROC AUCs are computed).
 */
import type { CsvDialect, Table } from '../data/csv.js';
import { createEvaluation, type Metrics } from '../data/evaluate.js';
import { labelledData, modelInputs } from '../data/model-data.js';
import type { Model } from '../data/model-file.js';
import { type Predictions, predictTable } from '../data/predict.js';
import { scanCsv } from './csv-file.js';
import { fileScoreStore } from './score-file.js';

/** Rows per batch: enough for the matrix kernels to be efficient, few enough to stay small. */
export const PREDICT_BATCH_ROWS = 4096;

/**
 * Scans a CSV file in batches of rows; `batch` receives each batch as a table. The header is
 * checked (as an empty table) before the first row, so a missing column is reported at once.
 */
function scanBatches(
  path: string,
  dialect: CsvDialect,
  check: (t: Table) => void,
  batch: (t: Table) => void,
): { file: string } {
  let header: readonly string[] = [];
  let file = path;
  let rows: string[][] = [];
  let lines: number[] = [];
  const flush = () => {
    if (rows.length === 0) return;
    batch({ file, header, rows, lines });
    rows = [];
    lines = [];
  };
  const scan = scanCsv(
    path,
    {
      header(h, f) {
        header = h;
        file = f.file;
        check({ file, header, rows: [], lines: [] });
      },
      row(fields, line) {
        rows.push(fields);
        lines.push(line);
        if (rows.length >= PREDICT_BATCH_ROWS) flush();
      },
    },
    dialect,
  );
  file = scan.file;
  flush();
  return { file };
}

/**
 * The model's predictions for every row of a CSV file (`-` reads stdin), handed to `onBatch`
 * batch by batch as they are computed, with each row's file line.
 * @param model the model
 * @param path the CSV file
 * @param modelName the model's name in messages
 * @param onBatch receives each batch's predictions and lines
 * @param dialect how the CSV is written (default: the delimiter detected)
 * @returns the file's name in messages and the number of rows
 * @example
 * predictCsvFile(model, 'big.csv', 'model.json', (p) => write(p.rows));
 */
export function predictCsvFile(
  model: Model,
  path: string,
  modelName: string,
  onBatch: (predictions: Predictions, lines: readonly number[]) => void,
  dialect: CsvDialect = {},
): { file: string; rows: number } {
  let count = 0;
  const { file } = scanBatches(
    path,
    dialect,
    (t) => modelInputs(model, t, modelName),
    (t) => {
      onBatch(predictTable(model, t, modelName), t.lines);
      count += t.rows.length;
    },
  );
  return { file, rows: count };
}

/**
 * A model's metrics on a labelled CSV file (`-` reads stdin), read in batches: never the file's
 * text is kept, only each row's class (a byte) in memory and a classifier's scores in a temporary
 * file (see {@link fileScoreStore}), so that the ROC AUCs are exact in bounded memory.
 * @param model the model
 * @param path the CSV file
 * @param options `target`: the label column; `modelName`: the model's name in messages;
 *   `bestThreshold`: also find the F1-maximising threshold; `csv`: how the CSV is written
 * @example
 * const { accuracy } = evaluateCsvFile(model, 'test.csv', { modelName: 'model.json' });
 */
export function evaluateCsvFile(
  model: Model,
  path: string,
  options: { target?: string; modelName?: string; bestThreshold?: boolean; csv?: CsvDialect } = {},
): Metrics & { target: string; file: string } {
  const name = options.modelName ?? 'the model';
  const store = fileScoreStore();
  try {
    const evaluation = createEvaluation(model, options.bestThreshold, store);
    let target = '';
    const { file } = scanBatches(
      path,
      options.csv ?? {},
      (t) => {
        target = labelledData(model, t, name, options.target).target;
      },
      (t) => {
        const { x, y } = labelledData(model, t, name, options.target);
        evaluation.add(x, y);
      },
    );
    return { ...evaluation.result(), target, file };
  } finally {
    store.close();
  }
}
