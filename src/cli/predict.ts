/** `backprop predict <model> <data.csv|->`: probabilities and labels for each row, as CSV. */
import type { Command } from 'commander';
import { predictTable } from '../data/predict.js';
import { writeFileAtomic } from '../node/atomic-write.js';
import { readCsv } from '../node/csv-file.js';
import { loadModel } from '../node/model-files.js';
import * as parse from './options.js';
import { createOutput } from './output.js';

interface PredictFlags extends parse.CsvFlags {
  out?: string;
  json?: boolean;
  quiet?: boolean;
}

/** A CSV field, quoted when it must be. */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
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
    .option('--json', 'print the predictions as JSON instead of CSV')
    .option('--quiet', 'print nothing but errors (and --json)')
    .addHelpText(
      'after',
      `
Output columns: binary: probability (of the positive class), label; multi-class: one p_<class>
column per class, label; regression: prediction.

Examples:
  $ backprop predict model.json new-rows.csv --out preds.csv
  $ cat new-rows.csv | backprop predict model.json -`,
    )
    .action((modelPath: string, dataPath: string, flags: PredictFlags) => {
      const out = createOutput(flags);
      const model = loadModel(modelPath);
      const table = readCsv(dataPath, parse.csvDialect(flags));
      const { columns, rows } = predictTable(model, table, modelPath);
      const records = rows.map((row, r) => ({
        line: table.lines[r],
        ...Object.fromEntries(columns.map((name, j) => [name, row[j]])),
      }));
      const csv = `${[columns, ...rows].map((r) => r.map((v) => csvField(String(v))).join(',')).join('\n')}\n`;
      if (flags.out) {
        writeFileAtomic(flags.out, csv);
        out.note(`${rows.length} predictions written to ${flags.out}`);
      } else if (!flags.json && !flags.quiet) {
        process.stdout.write(csv);
      }
      out.document({ command: 'predict', model: modelPath, data: table.file, predictions: records });
    });
}
