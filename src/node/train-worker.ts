/**
 * The worker thread that `trainInWorker` starts: it trains on a CSV file as `trainFromCsvFile`
 * does, letting the run reuse the examples' buffer (the data is held once), posts each epoch's
 * log, and stops after the current batch once the main thread sets the shared stop flag (the
 * main thread stays free to receive Ctrl-C while training runs). It sends back the model file's
 * text, the report's HTML if asked for, and the run's numbers.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BackpropError } from '../core/errors.js';
import type { AnyMatrix } from '../core/matrix.js';
import { trainingWarnings } from '../data/diagnose.js';
import { featureWarnings } from '../data/examples.js';
import { serializeModel } from '../data/model-file.js';
import { trainReport } from '../data/report.js';
import { type Split, splitSizes, trainModel } from '../data/train.js';
import { setMemoryBudget, setParameterLimit } from '../nn/network.js';
import type { ReadProgress } from './csv-file.js';
import { readTrainingExamples } from './train-file.js';
import type { TrainedRun, TrainWorkerData, TrainWorkerMessage } from './train-worker-types.js';

const { path, options, report, firstTest, stop, maxParameters, memoryBudget } = workerData as TrainWorkerData;
// Limits are module state: the main thread's settings do not reach this thread by themselves.
if (maxParameters !== undefined) setParameterLimit(maxParameters);
if (memoryBudget !== undefined) setMemoryBudget(memoryBudget);
const flag = new Int32Array(stop);
const post = (m: TrainWorkerMessage) => parentPort!.postMessage(m);

/** A split's first row as plain numbers: its file line, standardised and raw inputs, targets. */
function firstRow(split: Split<AnyMatrix>): NonNullable<TrainedRun['firstTest']> {
  const row = (m: AnyMatrix) => Array.from(m.data.subarray(0, m.cols));
  return { line: split.lines[0], x: row(split.x), raw: row(split.raw), y: row(split.y) };
}

/** Posts the reading's progress at each whole percent of the file (of a pipe: each 16 MB). */
function readReporter(): ReadProgress {
  let last = -1;
  return (bytesRead, fileBytes) => {
    const step = fileBytes ? Math.floor((100 * bytesRead) / Math.max(1, fileBytes)) : bytesRead >> 24;
    if (step === last) return;
    last = step;
    post({ type: 'read', bytesRead, fileBytes });
  };
}

try {
  const { examples, settings } = readTrainingExamples(path, { ...options, onRead: readReporter() });
  // Taken before training: the run may reuse the examples' buffer for its standardised splits.
  const fileWarnings = featureWarnings(examples);
  const result = trainModel(examples, {
    ...settings,
    // The demo shows a raw test row, which reusing the buffer gives up (its data is small).
    reuseExamples: !firstTest,
    onEpochEnd: (log) => post({ type: 'epoch', log }),
    // Read after every batch (and between the WebAssembly kernels' spans): Ctrl-C acts within milliseconds.
    shouldStop: () => Atomics.load(flag, 0) !== 0,
  });
  post({
    type: 'done',
    modelText: serializeModel(result.model),
    ...(report ? { reportHtml: trainReport(result) } : {}),
    history: result.history,
    metrics: result.metrics,
    metricsOn: result.metricsOn,
    rows: splitSizes(result),
    warnings: [...fileWarnings, ...trainingWarnings(result)],
    ...(firstTest && result.test ? { firstTest: firstRow(result.test) } : {}),
  });
} catch (err) {
  const e = err as Error;
  post({ type: 'error', expected: err instanceof BackpropError, message: e.message, stack: e.stack ?? '' });
}
