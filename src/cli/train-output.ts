/** How `train` and `demo` show a training run: lines for a person, and the `--json` summary. */
import { describeMetrics } from '../data/evaluate.js';
import { describeNetwork } from '../data/report.js';
import type { TrainResult } from '../data/train.js';
import { networkConfig } from '../nn/network.js';
import type { Output } from './output.js';

/** The JSON summary of a training run, with the engine `fit` chose. */
export function trainSummary(result: TrainResult, out: string): Record<string, unknown> {
  const { model, history } = result;
  const cfg = networkConfig(model.network);
  return {
    command: 'train',
    model: out,
    features: model.features,
    target: model.target,
    labels: model.labels,
    network: {
      sizes: [cfg.inputSize, ...cfg.layers.map((l) => l.units)],
      activations: cfg.layers.map((l) => l.activation),
      loss: cfg.loss.name,
    },
    training: model.training,
    rows: {
      train: result.train.rows.length,
      validation: result.validation?.rows.length ?? 0,
      test: result.test?.rows.length ?? 0,
    },
    history: history.epochs,
    stopReason: history.stopReason,
    ...(history.bestEpoch !== undefined ? { bestEpoch: history.bestEpoch } : {}),
    engine: { name: history.engine, ...(history.detail ? { detail: history.detail } : {}) },
    metricsOn: result.metricsOn,
    metrics: result.metrics,
  };
}

/** Prints the run's result for a person. */
export function printTrainResult(result: TrainResult, out: Output, modelPath: string): void {
  const { history } = result;
  out.result(
    `network ${describeNetwork(result.model.network)}, ${history.epochs.length} epochs (${history.stopReason}${history.bestEpoch ? `, best epoch ${history.bestEpoch} restored` : ''})`,
  );
  out.result(
    `rows: ${result.train.rows.length} train, ${result.validation?.rows.length ?? 0} validation, ${result.test?.rows.length ?? 0} test`,
  );
  out.result(`${result.metricsOn} metrics:`);
  for (const line of describeMetrics(result.metrics)) out.result(line);
  out.result(`model written to ${modelPath}`);
}
