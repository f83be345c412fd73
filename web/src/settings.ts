/**
 * Every setting of a run, and its home in the URL's query string (`?data=xor&hidden=4,2&lr=0.1`),
 * so that a link reproduces a run bit for bit. Parsing never throws: a value out of range or
 * unreadable is replaced by its default and reported, so a mangled link still opens a page.
 */

export const DATASETS = ['xor', 'circle', 'gaussians', 'spiral', 'breast-cancer', 'iris', 'csv'] as const;
export type DatasetName = (typeof DATASETS)[number];

/** Names shown in the Dataset select. */
export const DATASET_LABELS: Record<DatasetName, string> = {
  xor: 'XOR',
  circle: 'Circle',
  gaussians: 'Gaussians',
  spiral: 'Spiral',
  'breast-cancer': 'Breast cancer',
  iris: 'Iris',
  csv: 'Your CSV',
};

export const FEATURES = ['x1', 'x2', 'x1sq', 'x2sq', 'x1x2', 'sinx1', 'sinx2'] as const;
export type FeatureName = (typeof FEATURES)[number];

export const FEATURE_LABELS: Record<FeatureName, string> = {
  x1: 'x1',
  x2: 'x2',
  x1sq: 'x1²',
  x2sq: 'x2²',
  x1x2: 'x1·x2',
  sinx1: 'sin x1',
  sinx2: 'sin x2',
};

export const HIDDEN_ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'linear'] as const;
export type HiddenActivation = (typeof HIDDEN_ACTIVATIONS)[number];

/** Losses by their short names; which apply depends on the data (see {@link lossesFor}). */
export const LOSSES = ['bce', 'mse', 'cce'] as const;
export type LossShort = (typeof LOSSES)[number];

export const OPTIMIZERS = ['sgd', 'momentum', 'nesterov', 'adam'] as const;
export type OptimizerShort = (typeof OPTIMIZERS)[number];

export interface Settings {
  data: DatasetName;
  /** Standard deviation of the jitter added to toy points, as a fraction of the domain's half-width. */
  noise: number;
  /** Fraction of the examples held out for testing. */
  test: number;
  features: FeatureName[];
  /** Units of each hidden layer; empty for none. */
  hidden: number[];
  act: HiddenActivation;
  loss: LossShort;
  lr: number;
  batch: number;
  opt: OptimizerShort;
  l2: number;
  seed: number;
}

export const DEFAULTS: Readonly<Settings> = {
  data: 'xor',
  noise: 0,
  test: 0.5,
  features: ['x1', 'x2'],
  hidden: [4],
  act: 'sigmoid',
  loss: 'bce',
  lr: 0.1,
  batch: 10,
  opt: 'sgd',
  l2: 0,
  seed: 1,
};

export const MAX_HIDDEN_LAYERS = 6;
export const MAX_UNITS = 16;

/** The outcome of checking one setting's text: its value, or a message saying what was expected. */
export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };
type Check<T> = (text: string) => Checked<T>;

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = <T>(message: string): Checked<T> => ({ ok: false, message });

function numberIn(low: number, high: number, integer = false, lowOpen = false): Check<number> {
  return (text) => {
    const v = Number(text.trim());
    const kind = integer ? 'an integer' : 'a number';
    if (
      text.trim() === '' ||
      !Number.isFinite(v) ||
      (integer && !Number.isInteger(v)) ||
      v > high ||
      v < low ||
      (lowOpen && v === low)
    ) {
      return bad(`expected ${kind} ${lowOpen ? '>' : '≥'} ${low} and ≤ ${high}, got '${text}'`);
    }
    return ok(v);
  };
}

function oneOf<T extends string>(values: readonly T[]): Check<T> {
  return (text) =>
    (values as readonly string[]).includes(text)
      ? ok(text as T)
      : bad(`expected one of ${values.join(', ')}, got '${text}'`);
}

/** Hidden layer sizes, e.g. "4" or "8,4"; empty for none. */
export const parseHidden: Check<number[]> = (text) => {
  const t = text.trim();
  if (t === '') return ok([]);
  const parts = t.split(',').map((p) => p.trim());
  if (parts.length > MAX_HIDDEN_LAYERS)
    return bad(`expected at most ${MAX_HIDDEN_LAYERS} hidden layers, got ${parts.length}`);
  const units = parts.map(Number);
  if (parts.some((p, i) => p === '' || !Number.isInteger(units[i]) || units[i] < 1 || units[i] > MAX_UNITS)) {
    return bad(`expected units per layer as integers 1–${MAX_UNITS} separated by commas (e.g. 4,2), got '${text}'`);
  }
  return ok(units);
};

const parseFeatures: Check<FeatureName[]> = (text) => {
  const names = text.split(',').filter((f) => f !== '');
  const unknown = names.find((f) => !(FEATURES as readonly string[]).includes(f));
  if (unknown !== undefined) return bad(`expected features among ${FEATURES.join(', ')}, got '${unknown}'`);
  if (names.length === 0) return bad('expected at least one feature');
  return ok(FEATURES.filter((f) => names.includes(f)));
};

const CHECKS: { [K in keyof Settings]: Check<Settings[K]> } = {
  data: oneOf(DATASETS),
  noise: numberIn(0, 0.5),
  test: numberIn(0.1, 0.9),
  features: parseFeatures,
  hidden: parseHidden,
  act: oneOf(HIDDEN_ACTIVATIONS),
  loss: oneOf(LOSSES),
  lr: numberIn(0, 10, false, true),
  batch: numberIn(1, 1000, true),
  opt: oneOf(OPTIMIZERS),
  l2: numberIn(0, 1),
  seed: numberIn(0, 2 ** 32 - 1, true),
};

/** Checks one setting given as text (from a control or the URL). */
export function checkSetting<K extends keyof Settings>(key: K, text: string): Checked<Settings[K]> {
  return CHECKS[key](text);
}

/**
 * The version of the links the page writes (`v=2`). Version 1 links (no `v`, before the version
 * was written) split the data by a plain seeded shuffle; version 2 splits it as the library's
 * stratified split does, so an old link's seed no longer gives the run it was made with.
 */
export const LINK_VERSION = 2;

/** A message when the link's version is not this page's (undefined when it is, or there are no settings). */
function versionProblem(params: URLSearchParams): string | undefined {
  const v = params.get('v');
  if (v === String(LINK_VERSION)) return undefined;
  const old = `the train/test split was a plain seeded shuffle then, and is stratified now, so the run differs from the one the link was made with`;
  if (v === '1') return `URL: a version 1 link: ${old}`;
  if (v === null)
    return (Object.keys(CHECKS) as string[]).some((key) => params.has(key))
      ? `URL: a link without a version (v=${LINK_VERSION}) may be from before version ${LINK_VERSION}: if so, ${old}`
      : undefined;
  return `URL setting v: expected 1 or ${LINK_VERSION}, got '${v}'; read as version ${LINK_VERSION}`;
}

/** The settings a query string holds, with a message for each value that had to be replaced. */
export function settingsFromQuery(query: string): { settings: Settings; problems: string[] } {
  const params = new URLSearchParams(query);
  const settings: Settings = { ...DEFAULTS, features: [...DEFAULTS.features], hidden: [...DEFAULTS.hidden] };
  const problems: string[] = [];
  const version = versionProblem(params);
  if (version) problems.push(version);
  for (const key of Object.keys(CHECKS) as (keyof Settings)[]) {
    const text = params.get(key);
    if (text === null) continue;
    const v = CHECKS[key](text);
    if (v.ok) (settings as unknown as Record<string, unknown>)[key] = v.value;
    else problems.push(`URL setting ${key}: ${v.message}; using ${String(DEFAULTS[key])}`);
  }
  fixLoss(settings);
  return { settings, problems };
}

/** The query string for settings, in a fixed order so that equal settings give equal links. */
export function settingsToQuery(s: Settings): string {
  const params = new URLSearchParams({ v: String(LINK_VERSION) });
  for (const key of Object.keys(CHECKS) as (keyof Settings)[]) {
    const v = s[key];
    params.set(key, Array.isArray(v) ? v.join(',') : String(v));
  }
  return params.toString().replaceAll('%2C', ',');
}

/** Whether a data set has two classes (one sigmoid output) or more (softmax). */
export function isMulticlass(data: DatasetName, csvClasses = 2): boolean {
  return data === 'iris' || (data === 'csv' && csvClasses > 2);
}

/** The losses that fit a data set's outputs. */
export function lossesFor(multiclass: boolean): LossShort[] {
  return multiclass ? ['cce', 'mse'] : ['bce', 'mse'];
}

/** Makes the loss fit the data: cross-entropy of the right kind unless MSE was chosen. */
export function fixLoss(s: Settings, csvClasses = 2): void {
  const allowed = lossesFor(isMulticlass(s.data, csvClasses));
  if (!allowed.includes(s.loss)) s.loss = allowed[0];
}
