/**
 * Typed errors. Each message says what was expected and what was given, so that a caller (the
 * CLI, the playground) can show it to a person as it is.
 */

/** Base class of every error backprop throws on purpose. */
export class BackpropError extends Error {
  override name = 'BackpropError';
}

/** An array or matrix of the wrong shape (e.g. 4 features for a 3-input network). */
export class ShapeError extends BackpropError {
  override name = 'ShapeError';
}

/** A value outside its domain: a label not in {0, 1} for binary cross-entropy, a NaN input, … */
export class ValueError extends BackpropError {
  override name = 'ValueError';
}

/** A setting that cannot work: a learning rate ≤ 0, a batch size < 1, an unknown activation, … */
export class ConfigError extends BackpropError {
  override name = 'ConfigError';
}

/**
 * The last branch of a switch over a vocabulary (activations, losses, optimisers): the compiler
 * rejects the call unless every kind was handled before it, so none is ever silently treated as
 * another. Reached at run time only through an unchecked cast.
 */
export function unhandledKind(kind: never): never {
  throw new ConfigError(`unhandled kind '${String(kind)}'`);
}
