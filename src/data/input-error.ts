/**
 * The error for bad input a person gave: a file that is missing or malformed, a column that is
 * not there, a flag out of range. Its message names the file, line and field and says what was
 * expected, so the CLI prints it as it is, on one line.
 */
import { BackpropError } from '../core/errors.js';

/** Bad user input (files, columns, flags), with a message fit to show as it is. */
export class InputError extends BackpropError {
  override name = 'InputError';
}
