/**
 * The one engine selector, for `fit` and for every thread of `fitParallel`: the fastest engine
 * whose declaration covers the run (and, on `'auto'`, for which the run is big enough to pay),
 * else the reference path. Never an engine that would compute something else.
 */
import { ConfigError } from '../../core/errors.js';
import { covers, type Engine, type EngineKind, type EngineName, type EngineSetup } from './engine.js';
import { createReferenceEngine, referenceEngine } from './reference.js';
import { wasmEngine } from './wasm.js';

/** Which engine to use: one by name, or `'auto'` for the fastest that covers the run. */
export type EngineChoice = 'auto' | EngineName;

export const ENGINE_CHOICES: readonly EngineChoice[] = ['auto', 'wasm', 'reference'];

/**
 * The engines, fastest first. The fused JavaScript path that stood between these two was
 * removed: the WebAssembly engine ran 3–6× faster on every shape measured (docs/performance.md),
 * and where WebAssembly SIMD is missing the reference path is the fallback.
 */
export const ENGINES: readonly EngineKind[] = [wasmEngine, referenceEngine];

/** Throws a ConfigError unless `choice` is one of {@link ENGINE_CHOICES}. */
export function checkEngineChoice(choice: string): asserts choice is EngineChoice {
  if (!(ENGINE_CHOICES as readonly string[]).includes(choice)) {
    throw new ConfigError(`unknown engine '${choice}': expected one of ${ENGINE_CHOICES.join(', ')}`);
  }
}

/**
 * The engine for `setup`: with `choice` `'auto'`, the first of `engines` that covers the run, can
 * run here and pays for its set-up; with an engine's name, that engine where it covers the run
 * and can run; otherwise, always, the reference path.
 * @param choice `'auto'` or an engine's name
 * @param setup the run: network, data, batch size, L2, optimiser
 * @param engines the candidates, fastest first (tests pass their own declarations)
 */
export function selectEngine(choice: EngineChoice, setup: EngineSetup, engines = ENGINES): Engine {
  checkEngineChoice(choice);
  for (const kind of engines) {
    if (choice !== 'auto' && kind.name !== choice) continue;
    if (!covers(kind.coverage, setup) || !kind.available()) continue;
    if (choice === 'auto' && !kind.pays(setup)) continue;
    const engine = kind.create(setup);
    if (engine !== undefined) return engine;
  }
  return createReferenceEngine(setup);
}
