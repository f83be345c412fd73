/** The training pipeline over a CSV file, streamed, and its results written to files. */
import { Worker } from 'node:worker_threads';
import { BackpropError } from '../core/errors.js';
import type { AnyMatrix } from '../core/matrix.js';
import type { CsvDialect } from '../data/csv.js';
import type { Examples } from '../data/examples.js';
import { serializeModel } from '../data/model-file.js';
import { trainReport } from '../data/report.js';
import { type TrainOptions, type TrainResult, trainingColumns, trainModel } from '../data/train.js';
import type { EpochLog, FitDtype } from '../train/fit.js';
import { writeFilesAtomic } from './atomic-write.js';
import { type ReadProgress, readExamples } from './csv-file.js';
import { loadModel } from './model-files.js';
import { checkOutputs, DATA_OUTPUT, MODEL_OUTPUT } from './output-paths.js';
import type { TrainedRun, TrainWorkerData, TrainWorkerMessage } from './train-worker-types.js';

/** {@link trainModel}'s options, with the initial model named by its file. */
export interface TrainFileOptions extends Omit<TrainOptions, 'init'> {
  /** A model file whose weights training starts from. */
  initFile?: string;
  /** How the CSV file is written (default: the delimiter detected, no comments). */
  csv?: CsvDialect;
  /** Told how far the reading of the CSV has got, after each chunk. */
  onRead?: ReadProgress;
}

/**
 * Options that make a float64 run whatever the initial model: `dtype: 'float64'`, or no dtype and
 * no `initFile` (a float32 model there keeps float32), so that the float64 overloads' types hold.
 */
export type Float64File = { dtype: 'float64' } | { dtype?: undefined; initFile?: undefined };

/**
 * The examples of a CSV file (or stdin for `-`) under a run's column choice, streamed into
 * matrices, and the run's options with the initial model loaded: what {@link trainFromCsvFile}
 * trains on. The initial model is read once the CSV's header is known, so that a bad CSV is
 * reported first.
 * @param path the CSV file
 * @param options as {@link trainFromCsvFile}'s
 * @example
 * const { examples, settings } = readTrainingExamples('data/iris.csv', { hidden: [8] });
 * const result = trainModel(examples, { ...settings, reuseExamples: true });
 */
export function readTrainingExamples(
  path: string,
  options?: TrainFileOptions & Float64File,
): { examples: Examples; settings: TrainOptions };
export function readTrainingExamples(
  path: string,
  options?: TrainFileOptions,
): { examples: Examples<AnyMatrix>; settings: TrainOptions };
export function readTrainingExamples(
  path: string,
  options: TrainFileOptions = {},
): { examples: Examples<AnyMatrix>; settings: TrainOptions } {
  const { initFile, csv, onRead, ...rest } = options;
  let settings: TrainOptions = rest;
  const examples = readExamples(
    path,
    (header, file) => {
      if (initFile) settings = { ...rest, init: { model: loadModel(initFile), name: initFile } };
      return trainingColumns(settings, header, file);
    },
    csv ?? {},
    // A float32 run reads its features as float32: the file is never held in float64.
    rest.dtype ?? (initFile ? dtypeOf(initFile) : 'float64'),
    onRead,
  );
  return { examples, settings };
}

/**
 * The dtype an initial model keeps (`--init` resumes in it unless told otherwise), known before
 * the CSV is read so that its features are parsed as the run will hold them; a model that cannot
 * be read counts as float64 here and is reported once the CSV's header has been checked.
 */
function dtypeOf(initFile: string): FitDtype {
  try {
    return loadModel(initFile).training?.dtype ?? 'float64';
  } catch {
    return 'float64';
  }
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
export function trainFromCsvFile(path: string, options?: TrainFileOptions & Float64File): TrainResult;
export function trainFromCsvFile(path: string, options?: TrainFileOptions): TrainResult<AnyMatrix>;
export function trainFromCsvFile(path: string, options: TrainFileOptions = {}): TrainResult<AnyMatrix> {
  const { examples, settings } = readTrainingExamples(path, options);
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
export function saveTrainResult(result: TrainResult<AnyMatrix>, modelPath: string, reportPath?: string): void {
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

/** A training run in a worker thread; see {@link trainInWorker}. */
export interface WorkerTraining {
  /** The run's model file text, report and numbers, once training ends. */
  result: Promise<TrainedRun>;
  /** Asks training to stop after the current batch; the result then says `interrupted`. */
  stop(): void;
}

/**
 * Trains on a CSV file as {@link trainFromCsvFile} does, in a worker thread, so that the calling
 * thread stays free (to take Ctrl-C, to draw progress). `stop()` ends training after the current
 * batch; the model then holds the best weights so far (with `patience`) or the last batch's, and
 * its `training.stopReason` is `"interrupted"` (`training.partialEpoch` when the last epoch was cut
 * short). Nothing is written: save `modelText`.
 * @param path the CSV file (`-` for stdin)
 * @param options as {@link trainFromCsvFile}'s, without callbacks
 * @param hooks `onEpochEnd` sees each epoch's log, `onRead` how far the CSV has been read (about
 *   every 1 %); `report` asks for the HTML report; `firstTest`
 *   for the first test example's rows (what `demo` explains)
 * @example
 * const run = trainInWorker('data/iris.csv', { hidden: [8] });
 * process.once('SIGINT', () => run.stop());
 * writeFileAtomic('iris.json', (await run.result).modelText);
 */
export function trainInWorker(
  path: string,
  options: Omit<TrainFileOptions, 'onEpochEnd' | 'onRead'>,
  hooks: {
    onEpochEnd?: (log: EpochLog) => void;
    onRead?: ReadProgress;
    report?: boolean;
    firstTest?: boolean;
    maxParameters?: number;
    memoryBudget?: number;
  } = {},
): WorkerTraining {
  const stop = new SharedArrayBuffer(4);
  const { maxParameters, memoryBudget } = hooks;
  const data: TrainWorkerData = {
    path,
    options,
    report: hooks.report ?? false,
    firstTest: hooks.firstTest ?? false,
    stop,
    maxParameters,
    memoryBudget,
  };
  const worker = new Worker(new URL('./train-worker.js', import.meta.url), { workerData: data });
  const result = new Promise<TrainedRun>((resolve, reject) => {
    worker.on('message', (m: TrainWorkerMessage) => {
      if (m.type === 'epoch') hooks.onEpochEnd?.(m.log);
      else if (m.type === 'read') hooks.onRead?.(m.bytesRead, m.fileBytes);
      else if (m.type === 'done') {
        const { type: _, ...run } = m;
        resolve(run);
      } else {
        const err = m.expected ? new BackpropError(m.message) : new Error(m.message);
        if (!m.expected) err.stack = m.stack;
        reject(err);
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`the training worker exited (code ${code}) without a result`)));
  });
  return { result, stop: () => Atomics.store(new Int32Array(stop), 0, 1) };
}

/**
 * Writes a worker's training run: the model file and, if asked for, the report, both appearing
 * or neither (see {@link saveTrainResult}).
 * @param run what {@link trainInWorker} gave
 * @param modelPath where the model file goes
 * @param reportPath where the report goes, if anywhere
 * @example
 * saveTrainedRun(await trainInWorker('data.csv', {}).result, 'model.json');
 */
export function saveTrainedRun(run: TrainedRun, modelPath: string, reportPath?: string): void {
  writeFilesAtomic([
    { path: modelPath, data: run.modelText },
    ...(reportPath && run.reportHtml !== undefined ? [{ path: reportPath, data: run.reportHtml }] : []),
  ]);
}
