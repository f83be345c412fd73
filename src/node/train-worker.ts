/**
 * The worker thread that `trainInWorker` starts: it trains on a CSV file as `trainFromCsvFile`
 * does, letting the run reuse the examples' buffer (the data is held once), posts each epoch's
 * log, and stops at the end of an epoch once the main thread sets the shared stop flag (the main
 * thread stays free to receive Ctrl-C while training runs). It sends back the model file's text,
 * the report's HTML if asked for, and the run's numbers.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BackpropError } from '../core/errors.js';
import { trainingWarnings } from '../data/diagnose.js';
import { featureWarnings } from '../data/examples.js';
import { type Model, serializeModel } from '../data/model-file.js';
import { trainReport } from '../data/report.js';
import { splitSizes, trainModel } from '../data/train.js';
import { setMemoryBudget, setParameterLimit } from '../nn/network.js';
import { readTrainingExamples } from './train-file.js';
import type { TrainWorkerData, TrainWorkerMessage } from './train-worker-types.js';

const { path, options, report, stop, maxParameters, memoryBudget } = workerData as TrainWorkerData;
// Limits are module state: the main thread's settings do not reach this thread by themselves.
if (maxParameters !== undefined) setParameterLimit(maxParameters);
if (memoryBudget !== undefined) setMemoryBudget(memoryBudget);
const flag = new Int32Array(stop);
const post = (m: TrainWorkerMessage) => parentPort!.postMessage(m);

try {
  let interrupted = false;
  const { examples, settings } = readTrainingExamples(path, options);
  // Taken before training: the run reuses the examples' buffer for its standardised splits.
  const fileWarnings = featureWarnings(examples);
  const result = trainModel(examples, {
    ...settings,
    reuseExamples: true,
    onEpochEnd(log) {
      post({ type: 'epoch', log });
      if (Atomics.load(flag, 0) !== 0) {
        interrupted = true;
        return false;
      }
      return true;
    },
  });
  const model: Model = interrupted
    ? { ...result.model, training: { ...result.model.training, stopReason: 'interrupted' } }
    : result.model;
  const history = interrupted ? { ...result.history, stopReason: 'interrupted' as const } : result.history;
  const run = { ...result, model, history };
  post({
    type: 'done',
    modelText: serializeModel(model),
    ...(report ? { reportHtml: trainReport(run as typeof result) } : {}),
    history,
    metrics: result.metrics,
    metricsOn: result.metricsOn,
    rows: splitSizes(result),
    warnings: [...fileWarnings, ...trainingWarnings(result)],
  });
} catch (err) {
  const e = err as Error;
  post({ type: 'error', expected: err instanceof BackpropError, message: e.message, stack: e.stack ?? '' });
}
