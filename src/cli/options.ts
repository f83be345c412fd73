/**
 * Parsers for command-line values. Each throws commander's InvalidArgumentError, so a bad value
 * is reported as "option '--lr <η>' argument '-1' is invalid. expected …" with exit code 2.
 */
import { InvalidArgumentError } from 'commander';
import { DECIMAL } from '../data/labels.js';
import { ACTIVATION_NAMES } from '../nn/activations.js';
import { OPTIMIZER_NAMES } from '../nn/optimizers.js';

function number(text: string): number {
  if (!DECIMAL.test(text.trim())) throw new InvalidArgumentError('expected a number.');
  return Number(text);
}

/** A finite number > 0 (learning rate). */
export function positiveNumber(text: string): number {
  const v = number(text);
  if (!(v > 0 && Number.isFinite(v))) throw new InvalidArgumentError('expected a number > 0.');
  return v;
}

/** A finite number ≥ 0 (l2). */
export function nonNegativeNumber(text: string): number {
  const v = number(text);
  if (!(v >= 0 && Number.isFinite(v))) throw new InvalidArgumentError('expected a number ≥ 0.');
  return v;
}

/** A number in [0, 1) (momentum). */
export function unitInterval(text: string): number {
  const v = number(text);
  if (!(v >= 0 && v < 1)) throw new InvalidArgumentError('expected a number in [0, 1).');
  return v;
}

/** A number in (0, 1) (decision threshold). */
export function openUnit(text: string): number {
  const v = number(text);
  if (!(v > 0 && v < 1)) throw new InvalidArgumentError('expected a number in (0, 1).');
  return v;
}

/** `balanced`, or comma-separated class=weight pairs, each weight a number ≥ 0. */
export function classWeight(text: string): 'balanced' | Record<string, number> {
  if (text.trim() === 'balanced') return 'balanced';
  const out: Record<string, number> = {};
  for (const pair of text.split(',')) {
    const at = pair.lastIndexOf('=');
    const name = pair.slice(0, at).trim();
    const w = pair.slice(at + 1).trim();
    if (at < 1 || name === '' || !DECIMAL.test(w) || !(Number(w) >= 0 && Number.isFinite(Number(w))))
      throw new InvalidArgumentError("expected 'balanced' or class=weight pairs, e.g. 0=1,1=49.");
    out[name] = Number(w);
  }
  return out;
}

/** A split fraction in [0, 1). */
export const fraction = unitInterval;

/** An integer ≥ 1 (epochs, batch size, patience, row). */
export function positiveInteger(text: string): number {
  if (!/^\+?\d+$/.test(text.trim())) throw new InvalidArgumentError('expected an integer ≥ 1.');
  const v = Number(text);
  if (!(v >= 1 && Number.isSafeInteger(v))) throw new InvalidArgumentError('expected an integer ≥ 1.');
  return v;
}

/** `--max-parameters`: the largest network `train` and `init` build (see setParameterLimit). */
export const MAX_PARAMETERS_HELP = 'refuse networks with more parameters than this (default 10000000)';

/** `--delimiter`: one character, or tab, comma, semicolon, pipe by name (`\t` for tab too). */
export function delimiter(text: string): string {
  const named: Record<string, string> = { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';', pipe: '|' };
  const d = named[text.toLowerCase()] ?? text;
  if (d.length !== 1 || d === '"' || d === '\n' || d === '\r')
    throw new InvalidArgumentError("expected one character, e.g. ';', or tab, comma, semicolon, pipe.");
  return d;
}

/** `--comment`: one character. */
export function commentChar(text: string): string {
  if (text.length !== 1 || text === '"' || text === '\n' || text === '\r')
    throw new InvalidArgumentError("expected one character, e.g. '#'.");
  return text;
}

/** The flags of every command that reads CSV: how the file is written. */
export interface CsvFlags {
  delimiter?: string;
  comment?: string;
}

/** Help of `--delimiter` and `--comment`, the same in every command that reads CSV. */
export const DELIMITER_HELP = 'field delimiter: one character or tab (default: detected among , ; tab |)';
export const COMMENT_HELP = "skip lines starting with this character, e.g. '#'";

/**
 * The CSV dialect the flags ask for.
 * @param flags the parsed flags
 * @example
 * readCsv(path, csvDialect(flags));
 */
export function csvDialect(flags: CsvFlags): { delimiter?: string; comment?: string } {
  return {
    ...(flags.delimiter !== undefined ? { delimiter: flags.delimiter } : {}),
    ...(flags.comment !== undefined ? { comment: flags.comment } : {}),
  };
}

/** An integer (seed). */
export function integer(text: string): number {
  if (!/^[+-]?\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text)))
    throw new InvalidArgumentError('expected an integer.');
  return Number(text);
}

/** Comma-separated layer sizes, each an integer ≥ 1 ("4" or "16,8"); "" or "0" means none. */
export function sizes(text: string): number[] {
  if (text.trim() === '' || text.trim() === '0') return [];
  return text.split(',').map((s) => {
    if (!/^\d+$/.test(s.trim()) || Number(s) < 1)
      throw new InvalidArgumentError('expected comma-separated integers ≥ 1, e.g. 4 or 16,8.');
    return Number(s);
  });
}

/** Comma-separated names (columns). */
export function names(text: string): string[] {
  const list = text.split(',').map((s) => s.trim());
  if (list.some((s) => s === '')) throw new InvalidArgumentError('expected comma-separated column names, none empty.');
  return list;
}

/** Comma-separated numbers (an example's features). */
export function numbers(text: string): number[] {
  return text.split(',').map((s) => {
    if (!DECIMAL.test(s.trim()) || !Number.isFinite(Number(s)))
      throw new InvalidArgumentError(`expected comma-separated numbers; '${s}' is not a number.`);
    return Number(s);
  });
}

function oneOf<T extends string>(allowed: readonly T[]) {
  return (text: string): T => {
    if (!(allowed as readonly string[]).includes(text))
      throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}.`);
    return text as T;
  };
}

export const activationName = oneOf(ACTIVATION_NAMES.filter((a) => a !== 'softmax'));
export const outputActivationName = oneOf(ACTIVATION_NAMES);
export const optimizerName = oneOf(OPTIMIZER_NAMES);
export const dtypeName = oneOf(['float64', 'float32'] as const);
export const lossFlag = oneOf([
  'bce',
  'cce',
  'mse',
  'binary_crossentropy',
  'categorical_crossentropy',
  'mean_squared_error',
] as const);
