/** log2 of the table size of backprop's exp. */
export const TABLE_BITS: number;
/** The pairs (hi, lo) of 2^(j/128), j = 0 … 127, flattened: see gen-exp-table.mjs. */
export function expTable(): number[];
