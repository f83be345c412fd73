/**
 * A model's view of a CSV table: its feature columns (by name, in the model's order),
 * standardised with the statistics stored in the model, and its targets under the model's
 * label mapping.
 */
import type { Matrix } from '../core/matrix.js';
import type { Table } from './csv.js';
import { columnIndex, featureMatrix, targetMatrix } from './examples.js';
import { InputError } from './input-error.js';
import type { Model } from './model-file.js';
import { standardize } from './standardize.js';

/**
 * The network's inputs for every row of `table`: the model's features, standardised if the
 * model says so. A feature the table lacks is an error naming both files.
 * @param model the model
 * @param table rows with the model's feature columns
 * @param modelFile the model's file name, for messages
 * @example
 * const x = modelInputs(model, readCsv('new.csv'), 'model.json');
 */
export function modelInputs(model: Model, table: Table, modelFile: string): Matrix {
  model.features.forEach((f, i) => {
    if (!table.header.includes(f)) {
      throw new InputError(
        `${table.file}: no column '${f}', which ${modelFile} needs as feature ${i + 1}; the columns are: ${table.header.join(', ')}`,
      );
    }
  });
  const raw = featureMatrix(table, model.features);
  return model.standardization ? standardize(raw, model.standardization) : raw;
}

/**
 * The name of the target column to compare predictions with (flag, else the model's, else the last).
 * @param model the model
 * @param table the table
 * @param flag the column the user named, if any
 * @example
 * targetColumn(model, table); // model.target, or the table's last column
 */
export function targetColumn(model: Model, table: Table, flag?: string): string {
  return flag ?? model.target ?? table.header[table.header.length - 1];
}

/**
 * The targets of every row under the model's label mapping, in the network's units (a
 * standardised regression target as (y − mean) / std).
 * @param model the model
 * @param table the table
 * @param target the target column
 * @example
 * const y = modelTargets(model, table, 'species');
 */
export function modelTargets(model: Model, table: Table, target: string): Matrix {
  const y = targetMatrix(table, target, model.labels);
  const ts = model.targetStandardization;
  if (ts) for (let i = 0; i < y.data.length; i++) y.data[i] = (y.data[i] - ts.mean) / ts.std;
  return y;
}

/**
 * A labelled table as the model sees it: inputs, the target column (`targetFlag`, else the
 * model's) checked to exist, and its targets.
 * @param model the model
 * @param table labelled rows
 * @param modelFile the model's name in messages
 * @param targetFlag the label column the user named, if any
 * @example
 * const { x, y, target } = labelledData(model, table, 'model.json');
 */
export function labelledData(
  model: Model,
  table: Table,
  modelFile: string,
  targetFlag?: string,
): { x: Matrix; y: Matrix; target: string } {
  const x = modelInputs(model, table, modelFile);
  const target = targetColumn(model, table, targetFlag);
  columnIndex(table, target, targetFlag ? '--target' : `the target of ${modelFile}`);
  return { x, y: modelTargets(model, table, target), target };
}
