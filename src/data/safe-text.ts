/**
 * Text from files the user did not write (a shared model file, a CSV of unknown origin) made safe
 * for where it goes: a spreadsheet, a terminal, a JavaScript object. Browser-safe.
 */
import { InputError } from './input-error.js';
import { DECIMAL } from './labels.js';

/** Keys that would reach an object's prototype machinery if ever assigned by name. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * `JSON.parse`, refusing the keys `__proto__`, `constructor` and `prototype` anywhere in the
 * document. The text is parsed as data, never evaluated.
 * @param text the JSON text
 * @param file the file's name in the error message
 * @example
 * parseJsonData('{"a": 1}', 'model.json'); // { a: 1 }
 */
export function parseJsonData(text: string, file: string): unknown {
  return JSON.parse(text, (key, value) => {
    if (FORBIDDEN_KEYS.has(key)) {
      throw new InputError(`${file}: has a key '${key}', which no model file has; refused`);
    }
    return value;
  });
}

/**
 * A CSV cell that a spreadsheet will not run as a formula (OWASP's rule): text beginning with
 * `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading single quote. Numbers, such as
 * `-0.5` or `+1e3`, stay as they are.
 * @param text the cell's text
 * @example
 * neutralizeCell('=cmd()'); // "'=cmd()"
 * neutralizeCell('-0.5'); // '-0.5'
 */
export function neutralizeCell(text: string): string {
  if (!/^[=+\-@\t\r]/.test(text) || DECIMAL.test(text)) return text;
  return `'${text}`;
}

/**
 * A CSV field: neutralised (see {@link neutralizeCell}), then quoted when it holds a comma, a
 * quote or a line break.
 * @param text the field's text
 * @example
 * csvField('a,b'); // '"a,b"'
 */
export function csvField(text: string): string {
  const s = neutralizeCell(text);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Text with its control characters (C0 but tab, DEL, C1, and the line and paragraph separators)
 * written as `\xHH` or `\uHHHH` escapes, so that a label or a feature name printed to a terminal
 * cannot move the cursor, change colours or send a terminal command.
 * @param text the text
 * @example
 * escapeControl('a\x1b[2Jb'); // 'a\\x1b[2Jb'
 */
export function escapeControl(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters escaped
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}
