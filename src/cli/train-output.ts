/** How `train` and `demo` show a training run: lines for a person, and the `--json` summary. */
import { describeMetrics } from '../data/evaluate.js';
import type { Model } from '../data/model-file.js';
import { describeNetwork } from '../data/report.js';
import { networkConfig } from '../nn/network.js';
import type { TrainedRun } from '../node/train-worker-types.js';
import type { Output } from './output.js';

/** What is shown of a training run: its model and numbers, whether it ran here or in a worker. */
export type RunView = Pick<TrainedRun, 'history' | 'metrics' | 'metricsOn' | 'rows'> & { model: Model };

/** The JSON summary of a training run, with the engine `fit` chose. */
export function trainSummary(result: RunView, out: string): Record<string, unknown> {
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
    rows: result.rows,
    history: history.epochs,
    stopReason: history.stopReason,
    ...(history.bestEpoch !== undefined ? { bestEpoch: history.bestEpoch } : {}),
    engine: {
      name: history.engine,
      ...(history.detail ? { detail: history.detail } : {}),
      threads: history.threads ?? 1,
    },
    metricsOn: result.metricsOn,
    metrics: result.metrics,
  };
}

/** Prints the run's result for a person. */
export function printTrainResult(result: RunView, out: Output, modelPath: string): void {
  const { history } = result;
  const threads = (history.threads ?? 1) > 1 ? `, on ${history.threads} threads` : '';
  out.result(
    `network ${describeNetwork(result.model.network)}, ${history.epochs.length} epochs (${history.stopReason}${history.bestEpoch ? `, best epoch ${history.bestEpoch} restored` : ''})${threads}`,
  );
  out.result(`rows: ${result.rows.train} train, ${result.rows.validation} validation, ${result.rows.test} test`);
  out.result(`${result.metricsOn} metrics:`);
  for (const line of describeMetrics(result.metrics)) out.result(line);
  if (history.stopReason === 'interrupted') {
    const partial = history.epochs.at(-1)?.partial;
    const cut = partial ? ` (the last cut short after ${partial.batches} of its ${partial.of} batches)` : '';
    out.note(`interrupted: the model after ${history.epochs.length} epochs${cut} written to ${modelPath}`);
  } else out.result(`model written to ${modelPath}`);
}
