/**
 * `backprop/parallel`: training on worker threads (Node only). Kept out of the main entry so
 * that `backprop` itself bundles for browsers without Node's built-in modules. `fit` splits a
 * batch between threads by itself (its `threads` option); this entry keeps `fitParallel`, and
 * the rule's thresholds, for callers that ask for them by name.
 */
export {
  DEFAULT_MAX_THREADS,
  fitParallel,
  type ParallelFitOptions,
  type ParallelHistory,
  THREADED_BATCH,
  THREADED_WORK,
} from './train/parallel-fit.js';
