/** The training pipeline over a CSV file, streamed, and its results written to files. */
import type { CsvDialect } from '../data/csv.js';
import { trainReport } from '../data/report.js';
import { type TrainOptions, type TrainResult, trainingColumns, trainModel } from '../data/train.js';
import { writeFileAtomic } from './atomic-write.js';
import { readExamples } from './csv-file.js';
import { loadModel, saveModel } from './model-files.js';

/** {@link trainModel}'s options, with the initial model named by its file. */
export interface TrainFileOptions extends Omit<TrainOptions, 'init'> {
  /** A model file whose weights training starts from. */
  initFile?: string;
  /** Columns never used as features. */
  ignore?: string[];
  /** How the CSV file is written (default: the delimiter detected, no comments). */
  csv?: CsvDialect;
}

/**
 * Trains on a CSV file (or stdin for `-`) as `backprop train` does. The file is streamed into
 * matrices, never held as text; the initial model is read once the CSV's header is known, so
 * that a bad CSV is reported first.
 * @param path the CSV file
 * @param options as {@link trainModel}'s, with `initFile` for the initial model
 * @example
 * const { model } = trainFromCsvFile('data/iris.csv', { hidden: [8], epochs: 200 });
 * saveModel('iris.json', model);
 */
export function trainFromCsvFile(path: string, options: TrainFileOptions = {}): TrainResult {
  const { initFile, ignore, csv, ...rest } = options;
  let settings: TrainOptions = rest;
  const examples = readExamples(
    path,
    (header, file) => {
      if (initFile) settings = { ...rest, init: { model: loadModel(initFile), name: initFile } };
      return { ...trainingColumns(settings, header, file), ...(ignore ? { ignore } : {}) };
    },
    csv,
  );
  return trainModel(examples, settings);
}

/**
 * Writes a training run's model file and, if asked for, its HTML report (each atomically).
 * @param result what {@link trainFromCsvFile} returned
 * @param modelPath where the model file goes
 * @param reportPath where the report goes, if anywhere
 * @example
 * saveTrainResult(trainFromCsvFile('data.csv'), 'model.json', 'report.html');
 */
export function saveTrainResult(result: TrainResult, modelPath: string, reportPath?: string): void {
  saveModel(modelPath, result.model);
  if (reportPath) writeFileAtomic(reportPath, trainReport(result));
}
