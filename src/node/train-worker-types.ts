/** The messages between `trainInWorker` and its worker thread. */
import type { Metrics } from '../data/evaluate.js';
import type { EpochLog, History } from '../train/fit.js';
import type { TrainFileOptions } from './train-file.js';

/** Why a run ended: fit's reasons, `'interrupted'` for a stop asked for from outside (Ctrl-C). */
export type RunStopReason = History['stopReason'];

/** A training run's numbers, as plain data (what crosses from the worker). */
export interface TrainedRun {
  /** The model file's text, exactly as `saveModel` would write it. */
  modelText: string;
  /** The HTML report, when asked for. */
  reportHtml?: string;
  history: History;
  metrics: Metrics;
  metricsOn: 'test' | 'train';
  rows: { train: number; validation: number; test: number };
  /** The first test example (its file line, standardised inputs, raw inputs, targets), when asked for. */
  firstTest?: { line: number; x: number[]; raw: number[]; y: number[] };
  /** What the run suggests is wrong with the data or the training (constant features, one class predicted…). */
  warnings: string[];
}

export interface TrainWorkerData {
  path: string;
  options: Omit<TrainFileOptions, 'onEpochEnd'>;
  report: boolean;
  /** Send back the first test example's rows (`TrainedRun.firstTest`). */
  firstTest: boolean;
  /** The network size limit (parameters) and the memory budget (bytes) the worker checks against. */
  maxParameters?: number;
  memoryBudget?: number;
  /** An Int32Array's buffer: its first element set to 1 asks the worker to stop. */
  stop: SharedArrayBuffer;
}

export type TrainWorkerMessage =
  | { type: 'epoch'; log: EpochLog }
  | { type: 'read'; bytesRead: number; fileBytes: number | undefined }
  | ({ type: 'done' } & TrainedRun)
  | { type: 'error'; expected: boolean; message: string; stack: string };
