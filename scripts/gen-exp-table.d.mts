/** log2 of the table size of backprop's exp. */
export const TABLE_BITS: number;
/** The pairs (hi, rel) of 2^(j/128) = hi·(1 + rel), j = 0 … 127, flattened: see gen-exp-table.mjs. */
export function expTable(): number[];
