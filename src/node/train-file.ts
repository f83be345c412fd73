/** The training pipeline over a CSV file, streamed, and its results written to files. */

import { serializeModel } from '../data/model-file.js';
import { trainReport } from '../data/report.js';
import { type TrainOptions, type TrainResult, trainingColumns, trainModel } from '../data/train.js';
import { writeFilesAtomic } from './atomic-write.js';
import { readExamples } from './csv-file.js';
import { loadModel } from './model-files.js';
import { checkOutputs, DATA_OUTPUT, MODEL_OUTPUT } from './output-paths.js';

/** {@link trainModel}'s options, with the initial model named by its file. */
export interface TrainFileOptions extends Omit<TrainOptions, 'init'> {
  /** A model file whose weights training starts from. */
  initFile?: string;
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
  const { initFile, ...rest } = options;
  let settings: TrainOptions = rest;
  const examples = readExamples(path, (header, file) => {
    if (initFile) settings = { ...rest, init: { model: loadModel(initFile), name: initFile } };
    return trainingColumns(settings, header, file);
  });
  return trainModel(examples, settings);
}

/**
 * Writes a training run's model file and, if asked for, its HTML report: both appear or neither,
 * each flushed before it is renamed into place. The two may not be the same file.
 * @param result what {@link trainFromCsvFile} returned
 * @param modelPath where the model file goes
 * @param reportPath where the report goes, if anywhere
 * @example
 * saveTrainResult(trainFromCsvFile('data.csv'), 'model.json', 'report.html');
 */
export function saveTrainResult(result: TrainResult, modelPath: string, reportPath?: string): void {
  checkOutputs(
    [],
    [
      { path: modelPath, flag: 'the model file', replaces: MODEL_OUTPUT },
      ...(reportPath ? [{ path: reportPath, flag: 'the report', replaces: DATA_OUTPUT }] : []),
    ],
    true,
  );
  // Both files appear or neither: each is written in full before either is renamed into place.
  writeFilesAtomic([
    { path: modelPath, data: serializeModel(result.model) },
    ...(reportPath ? [{ path: reportPath, data: trainReport(result) }] : []),
  ]);
}
