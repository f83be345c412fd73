/** `backprop predict <model> <data.csv|->`: probabilities and labels for each row, as CSV, written as they are computed. */
import type { Command } from 'commander';
import { predictionColumns } from '../data/predict.js';
import { csvField } from '../data/safe-text.js';
import { type AtomicFile, openAtomic } from '../node/atomic-write.js';
import { loadModel } from '../node/model-files.js';
import { checkOutputs, DATA_OUTPUT } from '../node/output-paths.js';
import { predictCsvFile } from '../node/predict-file.js';
import { writeStdoutSync } from '../node/stdout.js';
import * as parse from './options.js';
import { createOutput } from './output.js';

interface PredictFlags extends parse.CsvFlags {
  out?: string;
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
}

/** One CSV line; cells that a spreadsheet would run as formulas are neutralised. */
function csvLine(cells: readonly (number | string)[]): string {
  return `${cells.map((v) => csvField(String(v))).join(',')}\n`;
}

/** Where the CSV goes: the --out file (appearing whole at the end), stdout, or nowhere. */
function csvSink(flags: PredictFlags): Pick<AtomicFile, 'commit' | 'abort'> & { write(text: string): void } {
  if (flags.out) return openAtomic(flags.out);
  if (flags.json) return { write() {}, commit() {}, abort() {} };
  return {
    write: writeStdoutSync,
    commit() {},
    abort() {},
  };
}

/** Registers `predict`. */
export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description("the model's probabilities and labels for each row of a CSV file")
    .argument('<model.json>', 'a model file')
    .argument('<data.csv>', "rows with the model's feature columns ('-' reads stdin)")
    .option('--out <preds.csv>', 'write the predictions here (default: stdout)')
    .option('--delimiter <char>', parse.DELIMITER_HELP, parse.delimiter)
    .option('--comment <char>', parse.COMMENT_HELP, parse.commentChar)
    .option('--force', 'replace an existing --out file that is not a predictions file (never an input)')
    .option('--json', 'print the predictions as JSON instead of CSV')
    .option('--quiet', 'print no messages (the predictions are still written)')
    .addHelpText(
      'after',
      `
Output columns: binary: probability (of the positive class), label; multi-class: one p_<class>
column per class, label; regression: prediction. Text cells beginning with =, +, -, @, a tab or a
carriage return get a leading ' so that a spreadsheet does not run them as formulas.

Examples:
  $ backprop predict model.json new-rows.csv --out preds.csv
  $ cat new-rows.csv | backprop predict model.json -`,
    )
    .action((modelPath: string, dataPath: string, flags: PredictFlags) => {
      const out = createOutput(flags);
      if (flags.out) {
        checkOutputs(
          [
            [modelPath, 'the model'],
            [dataPath, 'the data'],
          ],
          [{ path: flags.out, flag: '--out', replaces: DATA_OUTPUT }],
          flags.force,
        );
      }
      const model = loadModel(modelPath);
      const columns = predictionColumns(model);
      const records: Record<string, number | string>[] = [];
      const sink = csvSink(flags);
      let rows: number;
      let file: string;
      // The header goes out once the data's own header has been checked (with the first batch, or
      // at the end for a file without rows), so a refused file writes nothing to stdout.
      let started = false;
      const start = () => {
        if (!started) sink.write(csvLine(columns));
        started = true;
      };
      try {
        ({ rows, file } = predictCsvFile(
          model,
          dataPath,
          modelPath,
          (p, lines) => {
            start();
            sink.write(p.rows.map(csvLine).join(''));
            if (flags.json) {
              p.rows.forEach((row, r) =>
                records.push({ line: lines[r], ...Object.fromEntries(p.columns.map((name, j) => [name, row[j]])) }),
              );
            }
          },
          parse.csvDialect(flags),
        ));
        start();
        sink.commit();
      } catch (err) {
        sink.abort();
        throw err;
      }
      if (flags.out) out.result(`${rows} predictions written to ${flags.out}`);
      out.document({ command: 'predict', model: modelPath, data: file, predictions: records });
    });
}
