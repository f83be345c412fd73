/**
 * `backprop/parallel`: data-parallel training on worker threads (Node only). Kept out of the main
 * entry so that `backprop` itself bundles for browsers without Node's built-in modules.
 */
export * from './train/parallel-fit.js';
