/**
 * Property-based tests of the model-file loader (issue 9.7): valid model files with generated
 * edits (a value replaced by any JSON, a key deleted or added, `__proto__` among them), the text
 * mutated or cut short, and arbitrary values handed to fromModelFile. Each gives a model or a
 * typed error with a message, within a time bound.
 */
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { BackpropError } from '../../src/core/errors.js';
import { fromModelFile, parseModel, serializeModel } from '../../src/data/model-file.js';
import { createNetwork } from '../../src/nn/network.js';
import { check, outcome, printCounts } from './fuzz-helpers.js';

const SEED = 20261130;
const RUNS = 2500;

/** A valid model file's text: a small network of any kind, its labels and maybe standardisation. */
const modelText = fc
  .record({
    inputs: fc.integer({ min: 1, max: 4 }),
    hidden: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 2 }),
    kind: fc.constantFrom('binary', 'multiclass', 'regression'),
    activation: fc.constantFrom('sigmoid', 'tanh', 'relu', 'linear'),
    standardize: fc.boolean(),
    seed: fc.integer(),
  })
  .map(({ inputs, hidden, kind, activation, standardize, seed }) => {
    const out =
      kind === 'binary'
        ? { units: 1, activation: 'sigmoid' as const, loss: 'binary_crossentropy' as const }
        : kind === 'multiclass'
          ? { units: 3, activation: 'softmax' as const, loss: 'categorical_crossentropy' as const }
          : { units: 1, activation: 'linear' as const, loss: 'mean_squared_error' as const };
    const network = createNetwork(
      {
        inputSize: inputs,
        layers: [...hidden.map((u) => ({ units: u, activation })), { units: out.units, activation: out.activation }],
        loss: { name: out.loss },
      },
      { seed },
    );
    const labels =
      kind === 'binary'
        ? ({ kind, classes: ['no', 'yes'] } as const)
        : kind === 'multiclass'
          ? ({ kind, classes: ['a', 'b', 'c'] } as const)
          : ({ kind } as const);
    const features = Array.from({ length: inputs }, (_, i) => `x${i}`);
    const standardization = standardize ? { mean: features.map(() => 0.5), std: features.map(() => 2) } : undefined;
    return serializeModel({
      network,
      features,
      labels: labels as never,
      ...(standardization ? { standardization } : {}),
    });
  });

/** Every path to a value in a JSON value. */
function paths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [at];
  const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [at, ...keys.flatMap((k) => paths((value as Record<string | number, unknown>)[k], [...at, k]))];
}

/** A JSON edit: replace the value at a path, delete it, or add a key beside it. */
const KEYS = ['__proto__', 'constructor', 'prototype', 'format', 'version', 'layers', 'kernel', 'bias', 'units', ''];
const edit = fc.record({
  pick: fc.nat(),
  kind: fc.constantFrom('replace', 'delete', 'add'),
  value: fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(1e308, -1, 0, 1e9, 2 ** 32, '1', [], {}, null, [[1e9]]),
  ),
  key: fc.constantFrom(...KEYS),
});

function applyEdit(text: string, e: { pick: number; kind: string; value: unknown; key: string }): string {
  const root = JSON.parse(text) as Record<string, unknown>;
  const all = paths(root).filter((p) => p.length > 0);
  const path = all[e.pick % all.length];
  let parent = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (e.kind === 'replace') parent[last] = e.value;
  else if (e.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (!Array.isArray(parent)) {
    // Written as text so that a __proto__ key is an own key, as JSON.parse makes it.
    return JSON.stringify(root).replace(/^\{/, `{${JSON.stringify(e.key)}:${JSON.stringify(e.value)},`);
  }
  return JSON.stringify(root);
}

/** Text-level mutations: a character inserted, deleted or replaced, or the text cut short. */
const textEdit = fc.tuple(
  fc.nat(),
  fc.nat(3),
  fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '1', '-', 'e', ' ', '\\'),
);
function applyTextEdit(text: string, [at, kind, c]: [number, number, string]): string {
  const i = at % (text.length + 1);
  if (kind === 0) return text.slice(0, i) + c + text.slice(i);
  if (kind === 1) return text.slice(0, i) + text.slice(i + 1);
  if (kind === 2) return text.slice(0, i) + c + text.slice(i + 1);
  return text.slice(0, i);
}

/** A loaded model must be usable: its weights finite and as many as its configuration says. */
function checkModel(m: unknown): void {
  if (m instanceof BackpropError) return;
  const model = m as ReturnType<typeof parseModel>;
  check(model.features.length === model.network.inputSize, 'a feature per input');
  for (const l of model.network.layers) {
    check(l.kernel.data.every(Number.isFinite) && l.bias.every(Number.isFinite), 'finite weights');
  }
}

describe('fuzz: the model-file loader (issue 9.7)', () => {
  afterAll(() => printCounts('model-file fuzz'));

  it('valid files load, and JSON edits of them give a model or a typed error', () => {
    fc.assert(
      fc.property(modelText, fc.array(edit, { minLength: 0, maxLength: 3 }), (text, edits) => {
        const edited = edits.reduce(applyEdit, text);
        const m = outcome('parseModel (JSON edits)', () => parseModel(edited, 'm.json'));
        if (edits.length === 0) check(!(m instanceof BackpropError), `a valid file refused: ${String(m)}`);
        checkModel(m);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('text edits and truncations give a model or a typed error', () => {
    fc.assert(
      fc.property(modelText, fc.array(textEdit, { minLength: 1, maxLength: 4 }), (text, edits) => {
        checkModel(outcome('parseModel (text edits)', () => parseModel(edits.reduce(applyTextEdit, text), 'm.json')));
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('any value handed to fromModelFile gives a model or a typed error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 4 })), (value) => {
        checkModel(outcome('fromModelFile (any value)', () => fromModelFile(value, 'm.json')));
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
