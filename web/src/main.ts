/**
 * The page: reads the settings from the URL, prepares the data, hands the run to the training
 * worker and draws what the worker reports, at most once per animation frame. Every change of a
 * setting resets the run (new weights from the seed), so that the URL always describes the run
 * on screen.
 */
import { drawBoundary } from './boundary-view.js';
import { drawCurves } from './curves-view.js';
import {
  createExerciseView,
  EXERCISE_DEFAULTS,
  type ExerciseView,
  exerciseFromQuery,
  exerciseToQuery,
} from './exercise-view.js';
import { type Example, linkToDrawing, renderExplain } from './explain-view.js';
import { fixed } from './format.js';
import { nearestPoint, toCanvas } from './grid.js';
import {
  confusionMatrix,
  createNetwork,
  csvTextToExamples,
  decodeCsvBytes,
  type Examples,
  type Exercise,
  type LayerWeights,
  type Model,
  type NetworkConfig,
  networkFromWeights,
  parseModel,
  serializeModel,
  targetClasses,
  toOnnx,
  toRows,
  toTfjsLayers,
} from './library.js';
import { createNetworkView, type NetworkView } from './network-view.js';
import { bundledExamples, type Prepared, prepareTable, prepareToy } from './prepare.js';
import type { CurvePoint, FromWorker, Snapshot, ToWorker } from './protocol.js';
import { GRID, networkConfig, runSpec } from './run-spec.js';
import {
  checkSetting,
  DEFAULTS,
  FEATURE_LABELS,
  FEATURES,
  fixLoss,
  isMulticlass,
  lossesFor,
  type Settings,
  settingsFromQuery,
  settingsToQuery,
} from './settings.js';

/** Largest CSV the page reads: beyond this the tab would stall parsing it on the main thread. */
const MAX_CSV_BYTES = 20 * 1024 * 1024;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $('status');
const settingsMessage = $('settings-message');
const csvMessage = $('csv-message');
const modelMessage = $('model-message');
const boundary = $<HTMLCanvasElement>('boundary');
const curves = document.getElementById('curves') as unknown as SVGSVGElement;
const explainBody = $('explain-body');
const networkHost = $('network');
const buttons = { train: $<HTMLButtonElement>('train'), pause: $<HTMLButtonElement>('pause') };

const LOSS_LABELS = { bce: 'binary cross-entropy', cce: 'categorical cross-entropy', mse: 'mean squared error' };

interface State {
  settings: Settings;
  csv?: { examples: Examples; name: string };
  /** An opened binary model file's decision threshold, while its run is on screen. */
  threshold?: number;
  prepared: Prepared;
  config: NetworkConfig;
  /** Class of each example, train then test. */
  classes: Int32Array;
  view: NetworkView;
  /** Draws the network afresh (on a new run, or when its box changes size). */
  makeView(): NetworkView;
  snapshot?: Snapshot;
  curve: CurvePoint[];
  selected?: number;
  running: boolean;
}

let state: State | undefined;
let worker: Worker | undefined;
let snapshotPending = false;
let dirty = false;
/** How long the last draws took (ms): the page's own share of each frame, for the tests. */
const drawTimes: number[] = [];

function post(m: ToWorker): void {
  worker!.postMessage(m);
}

/** The worker, started afresh if a run must be abandoned (it cannot be interrupted mid-slice otherwise). */
function startWorker(): void {
  worker?.terminate();
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  snapshotPending = false;
  worker.onmessage = (e: MessageEvent<FromWorker>) => {
    const m = e.data;
    if (m.type === 'error') {
      settingsMessage.textContent = m.message;
      return;
    }
    snapshotPending = false;
    if (!state) return;
    state.snapshot = m;
    state.curve.push(...m.curve);
    state.running = m.running;
    dirty = true;
  };
}

/** The class of each example, train then test. */
function classesOf(p: Prepared): Int32Array {
  const train = targetClasses(p.train.y);
  const out = new Int32Array(train.length + p.test.y.rows);
  out.set(train);
  out.set(targetClasses(p.test.y), train.length);
  return out;
}

/** How many classes the open CSV's labels have (2 when none is open). */
function csvClasses(csv: State['csv']): number {
  const labels = csv?.examples.labels;
  return labels && labels.kind !== 'regression' ? labels.classes.length : 2;
}

/** The data the settings describe (throws a user-worded error when they cannot be met). */
function prepare(s: Settings, csv: State['csv']): Prepared {
  switch (s.data) {
    case 'breast-cancer':
    case 'iris':
      return prepareTable(bundledExamples(s.data), s);
    case 'csv':
      if (!csv) throw new Error('no CSV file is open: choose one with Open CSV');
      return prepareTable(csv.examples, s);
    default:
      return prepareToy(s);
  }
}

/**
 * Makes `next` the page's settings: prepares its data and network and resets the worker.
 * On failure nothing changes and the message is returned.
 * @param next the settings
 * @param csv the open CSV file's examples, if any
 * @param opened an opened model file's weights (instead of the seed's) and decision threshold
 */
function apply(
  next: Settings,
  csv = state?.csv,
  opened?: { weights: LayerWeights[]; threshold?: number },
): string | undefined {
  const weights = opened?.weights;
  let prepared: Prepared;
  let config: NetworkConfig;
  try {
    fixLoss(next, csvClasses(csv));
    prepared = prepare(next, csv);
    config = networkConfig(next, prepared);
    if (weights) networkFromWeights(config, weights);
    else createNetwork(config); // checks the configuration (e.g. a loss that does not fit the output)
  } catch (err) {
    return (err as Error).message;
  }
  const sizes = [config.inputSize, ...config.layers.map((l) => l.units)];
  const notes = config.layers.length === 2 && sizes[2] === 1;
  const makeView = () =>
    createNetworkView(networkHost, sizes, prepared.featureNames, notes, prepared.plane !== undefined);
  const view = makeView();
  state = {
    settings: next,
    csv,
    ...(opened?.threshold !== undefined ? { threshold: opened.threshold } : {}),
    prepared: prepared,
    config,
    classes: classesOf(prepared),
    view,
    makeView,
    curve: [],
    running: false,
  };
  writeUrl();
  startWorker();
  const spec = runSpec(next, prepared, config);
  if (weights) spec.weights = weights;
  if (opened?.threshold !== undefined) spec.threshold = opened.threshold;
  post({ type: 'reset', spec });
  syncControls();
  return undefined;
}

/** Puts the settings into the controls (after a load, a reset or a refused change). */
function syncControls(): void {
  if (!state) return;
  const s = state.settings;
  for (const key of ['lr', 'batch', 'opt', 'act', 'l2', 'seed', 'data', 'noise', 'test'] as const) {
    ($(key) as HTMLInputElement).value = String(s[key]);
  }
  $<HTMLInputElement>('hidden').value = s.hidden.join(',');
  const multi = isMulticlass(s.data, csvClasses(state.csv));
  const loss = $<HTMLSelectElement>('loss');
  loss.replaceChildren(
    ...lossesFor(multi).map((l) => {
      const o = document.createElement('option');
      o.value = l;
      o.textContent = LOSS_LABELS[l];
      return o;
    }),
  );
  loss.value = s.loss;
  const toy = state.prepared.plane !== undefined && s.data !== 'csv';
  for (const f of FEATURES) {
    const box = $<HTMLInputElement>(`feature-${f}`);
    box.checked = s.features.includes(f);
    box.disabled = !toy;
  }
  $<HTMLInputElement>('noise').disabled = !toy;
  $<HTMLOptionElement>('data').querySelector<HTMLOptionElement>('option[value="csv"]')!.disabled = !state.csv;
  if (state.csv)
    $<HTMLOptionElement>('data').querySelector<HTMLOptionElement>('option[value="csv"]')!.textContent =
      `CSV: ${state.csv.name}`;
  const row = $<HTMLInputElement>('row');
  row.max = String(state.prepared.test.x.rows);
}

function changeSetting(key: keyof Settings, text: string): void {
  if (!state) return;
  const checked = checkSetting(key, text);
  if (!checked.ok) {
    settingsMessage.textContent = `${key}: ${checked.message}`;
    syncControls();
    return;
  }
  const next = { ...state.settings, [key]: checked.value } as Settings;
  const problem = apply(next);
  settingsMessage.textContent = problem ?? '';
  if (problem) syncControls();
}

function buildFeatureBoxes(): void {
  const set = $('features');
  for (const f of FEATURES) {
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.id = `feature-${f}`;
    box.addEventListener('change', () => {
      if (!state) return;
      const chosen = FEATURES.filter((g) => (g === f ? box.checked : state!.settings.features.includes(g)));
      changeSetting('features', chosen.join(','));
    });
    label.append(box, ` ${FEATURE_LABELS[f]}`);
    set.append(label);
  }
}

function openCsv(file: File): void {
  if (file.size > MAX_CSV_BYTES) {
    csvMessage.textContent = `${file.name}: ${(file.size / 1e6).toFixed(1)} MB is more than the playground reads (${MAX_CSV_BYTES / 1e6} MB); train it with the CLI`;
    return;
  }
  // The bytes, decoded as the CLI decodes a file (UTF-8 with or without a byte-order mark, UTF-16
  // with one): File.text() would read everything as UTF-8.
  file.arrayBuffer().then(
    (bytes) => {
      if (!state) return;
      let examples: Examples;
      try {
        examples = csvTextToExamples(decodeCsvBytes(new Uint8Array(bytes), file.name), file.name);
      } catch (err) {
        csvMessage.textContent = (err as Error).message; // the previous data and run stay as they were
        return;
      }
      const problem = apply({ ...state.settings, data: 'csv' }, { examples, name: file.name });
      csvMessage.textContent = problem ?? '';
    },
    (err: Error) => {
      csvMessage.textContent = `${file.name}: cannot be read (${err.message})`;
    },
  );
}

/** The run as the CLI's model file: its features, labels and standardisation, and how it was trained. */
function currentModel(s: State): Model {
  const p = s.prepared;
  return {
    network: networkFromWeights(s.config, currentWeights(s)),
    features: p.featureNames,
    target: p.target,
    labels: p.labels,
    ...(p.standardization ? { standardization: p.standardization } : {}),
    ...(s.threshold !== undefined ? { threshold: s.threshold } : {}),
    training: {
      optimizer: { name: s.settings.opt, learningRate: s.settings.lr },
      batchSize: s.settings.batch,
      epochsRun: s.snapshot?.epoch ?? 0,
      seed: s.settings.seed,
      testSplit: s.settings.test,
      l2: s.settings.l2,
      standardize: p.standardization !== undefined,
      initializedFrom: 'seed',
      trainRows: p.train.x.rows,
      testRows: p.test.x.rows,
    },
    metrics: s.snapshot ? { testAccuracy: s.snapshot.now.testAccuracy, testLoss: s.snapshot.now.testLoss } : {},
  };
}

function download(name: string, content: string | Uint8Array<ArrayBuffer>, type: string): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/**
 * Opens a model file onto the current data: its layers and weights replace the network (the
 * settings follow it), provided its inputs and outputs fit the data; otherwise nothing changes.
 */
function openModel(file: File): void {
  file.text().then((text) => {
    if (!state) return;
    let model: Model;
    try {
      model = parseModel(text, file.name);
    } catch (err) {
      modelMessage.textContent = (err as Error).message;
      return;
    }
    if (model.labels.kind === 'regression') {
      modelMessage.textContent = `${file.name}: a regression model: the playground shows classifiers only`;
      return;
    }
    const net = model.network;
    const p = state.prepared;
    const outputs = net.layers[net.layers.length - 1].bias.length;
    const wanted = p.classes.length > 2 ? p.classes.length : 1;
    if (net.inputSize !== p.train.x.cols || outputs !== wanted) {
      modelMessage.textContent = `${file.name}: the model has ${net.inputSize} inputs and ${outputs} outputs, the current data needs ${p.train.x.cols} and ${wanted}: choose its data set and features first (the model's features are ${model.features.join(', ')})`;
      return;
    }
    const hidden = net.layers.slice(0, -1);
    const acts = new Set(hidden.map((l) => l.activation.name));
    const act = hidden.length ? hidden[0].activation.name : state.settings.act;
    if (acts.size > 1 || !['sigmoid', 'tanh', 'relu', 'linear'].includes(act)) {
      modelMessage.textContent = `${file.name}: hidden layers with activations ${[...acts].join(', ')}; the playground draws one activation of sigmoid, tanh, relu or linear for all of them`;
      return;
    }
    const lossShort = {
      binary_crossentropy: 'bce',
      categorical_crossentropy: 'cce',
      mean_squared_error: 'mse',
    } as const;
    const next: Settings = {
      ...state.settings,
      hidden: hidden.map((l) => l.bias.length),
      act: act as Settings['act'],
      loss: lossShort[net.loss.config.name],
    };
    const weights = net.layers.map((l) => ({ kernel: toRows(l.kernel), bias: Array.from(l.bias) }));
    const problem = apply(next, state.csv, { weights, threshold: model.threshold });
    const cut = model.threshold === undefined ? '' : ` (decision threshold ${model.threshold})`;
    modelMessage.textContent = problem ?? `opened ${file.name}${cut}: Reset goes back to the seeded weights`;
  });
}

// Drawing ------------------------------------------------------------------------------------

function statusText(s: State): string {
  const snap = s.snapshot;
  if (!snap) return 'epoch 0';
  const threshold = s.threshold === undefined ? '' : `   threshold ${s.threshold}`;
  return `epoch ${snap.epoch}  batch ${snap.batch}/${snap.batches}   train loss ${fixed(snap.now.trainLoss, 4)}   test loss ${fixed(snap.now.testLoss, 4)}   test accuracy ${fixed(snap.now.testAccuracy, 3)}${threshold}`;
}

function currentWeights(s: State): LayerWeights[] {
  return s.snapshot!.weights.map((w, l) => {
    const cols = s.config.layers[l].units;
    return { kernel: toRows({ rows: w.kernel.length / cols, cols, data: w.kernel }), bias: Array.from(w.bias) };
  });
}

function example(s: State, index: number): Example {
  const p = s.prepared;
  const nTrain = p.train.x.rows;
  const set = index < nTrain ? p.train : p.test;
  const r = index < nTrain ? index : index - nTrain;
  const k = set.x.cols;
  const o = set.y.cols;
  return {
    x: Array.from(set.x.data.subarray(r * k, (r + 1) * k)),
    y: Array.from(set.y.data.subarray(r * o, (r + 1) * o)),
    label: index < nTrain ? `train example ${r + 1}` : `test example ${r + 1}`,
  };
}

function drawExplain(s: State): void {
  if (s.selected === undefined || !s.snapshot) return;
  try {
    renderExplain(
      explainBody,
      networkFromWeights(s.config, currentWeights(s)),
      example(s, s.selected),
      s.settings.lr,
      networkHost,
    );
  } catch (err) {
    explainBody.textContent = (err as Error).message;
  }
}

function drawConfusion(s: State): void {
  const host = $('confusion');
  const snap = s.snapshot;
  if (s.prepared.plane || !snap) {
    host.hidden = true;
    return;
  }
  host.hidden = false;
  const k = s.prepared.classes.length;
  const nTrain = s.prepared.train.x.rows;
  const counts = confusionMatrix(snap.testPredicted, s.classes.subarray(nTrain), k);
  const table = document.createElement('table');
  table.className = 'confusion';
  const caption = document.createElement('p');
  caption.className = 'help';
  const cut = s.threshold === undefined ? '' : `, class ${s.prepared.classes[1]} from ŷ ≥ ${s.threshold}`;
  caption.textContent = `test set: actual (rows) × predicted (columns), accuracy ${fixed(snap.now.testAccuracy, 3)}${cut}`;
  const head = table.insertRow();
  head.append(document.createElement('th'));
  for (const c of s.prepared.classes) head.append(Object.assign(document.createElement('th'), { textContent: c }));
  counts.forEach((row, i) => {
    const tr = table.insertRow();
    tr.append(Object.assign(document.createElement('th'), { textContent: s.prepared.classes[i] }));
    for (const v of row) tr.insertCell().textContent = String(v);
  });
  host.replaceChildren(caption, table);
}

function draw(): void {
  const s = state;
  if (!s) return;
  const snap = s.snapshot;
  status.textContent = statusText(s);
  buttons.train.disabled = s.running;
  buttons.pause.disabled = !s.running;
  if (!snap) return;
  s.view.update(snap.weights, snap.grid, GRID);
  if (s.prepared.plane) {
    boundary.hidden = false;
    drawBoundary(
      boundary,
      {
        plane: s.prepared.plane,
        classes: s.classes,
        nTrain: s.prepared.train.x.rows,
        k: Math.max(2, s.prepared.classes.length),
      },
      snap.grid?.[snap.grid.length - 1],
      GRID,
      s.selected,
    );
  } else boundary.hidden = true;
  drawCurves(curves, s.curve);
  drawConfusion(s);
  drawExplain(s);
}

/** Shortest time between snapshots while training: drawing stays a small share of each second. */
const SNAPSHOT_MS = 50;
let lastRequest = 0;

function frame(now: number): void {
  if (state?.running && !snapshotPending && worker && now - lastRequest >= SNAPSHOT_MS) {
    lastRequest = now;
    snapshotPending = true;
    post({ type: 'snapshot' });
  }
  if (dirty) {
    dirty = false;
    const start = performance.now();
    draw();
    drawTimes.push(performance.now() - start);
    if (drawTimes.length > 1000) drawTimes.shift();
  }
  requestAnimationFrame(frame);
}

// Wiring -------------------------------------------------------------------------------------

function select(index: number | undefined): void {
  if (!state) return;
  state.selected = index;
  dirty = true;
}

function wire(): void {
  buttons.train.addEventListener('click', () => {
    if (!state) return;
    state.running = true;
    post({ type: 'train' });
    dirty = true;
  });
  // Train comes back (state.running false) with the worker's snapshot after it has paused, so
  // that the weights on screen are then the paused run's.
  buttons.pause.addEventListener('click', () => {
    if (!state) return;
    buttons.pause.disabled = true;
    post({ type: 'pause' });
  });
  $('step').addEventListener('click', () => {
    if (!state) return;
    state.running = false;
    post({ type: 'step', batches: 1 });
  });
  $('reset').addEventListener('click', () => {
    if (state) apply({ ...state.settings });
  });
  for (const key of ['lr', 'batch', 'opt', 'act', 'loss', 'l2', 'seed', 'data', 'noise', 'test', 'hidden'] as const) {
    $(key).addEventListener('change', (e) => changeSetting(key, (e.target as HTMLInputElement).value));
  }
  $<HTMLInputElement>('csv').addEventListener('change', (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) openCsv(file);
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (file) openCsv(file);
  });
  boundary.addEventListener('click', (e) => {
    if (!state?.prepared.plane) return;
    const box = boundary.getBoundingClientRect();
    const px = ((e.clientX - box.left) / box.width) * boundary.width;
    const py = ((e.clientY - box.top) / box.height) * boundary.height;
    const hit = nearestPoint(state.prepared.plane, boundary.width, boundary.height, px, py);
    if (hit !== undefined) select(hit);
  });
  $<HTMLInputElement>('row').addEventListener('change', (e) => {
    if (!state) return;
    const n = Number((e.target as HTMLInputElement).value);
    const count = state.prepared.test.x.rows;
    if (!Number.isInteger(n) || n < 1 || n > count) {
      explainBody.textContent = `test example: expected an integer from 1 to ${count}, got '${(e.target as HTMLInputElement).value}'`;
      return;
    }
    select(state.prepared.train.x.rows + n - 1);
  });
  const baseName = (s: State) => s.prepared.name.replace(/^data\//, '').replace(/\.csv$/, '');
  $('download-model').addEventListener('click', () => {
    if (state?.snapshot)
      download(`${baseName(state)}-model.json`, serializeModel(currentModel(state)), 'application/json');
  });
  $('download-onnx').addEventListener('click', () => {
    if (!state?.snapshot) return;
    const bytes = toOnnx(currentModel(state)) as Uint8Array<ArrayBuffer>;
    download(`${baseName(state)}.onnx`, bytes, 'application/octet-stream');
  });
  // TF.js Layers is two files: the manifest names the weights file, so both keep their usual names.
  $('download-tfjs').addEventListener('click', () => {
    if (!state?.snapshot) return;
    const { modelJson, weights } = toTfjsLayers(currentModel(state));
    download('model.json', JSON.stringify(modelJson), 'application/json');
    download('group1-shard1of1.bin', weights as Uint8Array<ArrayBuffer>, 'application/octet-stream');
  });
  $<HTMLInputElement>('model').addEventListener('change', (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) openModel(file);
  });
  linkToDrawing($('explain'), networkHost);
  // What a hovered or focused weight or unit holds, in words (the same text as its tooltip).
  for (const type of ['pointerover', 'focusin'] as const) {
    networkHost.addEventListener(type, (e) => {
      const title = (e.target as Element).querySelector?.(':scope > title');
      if (title?.textContent) $('readout').textContent = title.textContent;
    });
  }
  // The network's drawing is sized to its box: redraw it when the window changes size.
  let width = networkHost.clientWidth;
  new ResizeObserver(() => {
    // (a hidden tab has no width: the drawing stays as it was until the tab is shown again)
    if (!state || networkHost.clientWidth === width || networkHost.clientWidth === 0) return;
    width = networkHost.clientWidth;
    state.view = state.makeView();
    dirty = true;
  }).observe(networkHost);
}

/** What the end-to-end tests read: the run's configuration, weights and selected example. */
declare global {
  interface Window {
    playground: {
      config(): NetworkConfig | undefined;
      weights(): LayerWeights[] | undefined;
      steps(): number;
      selected(): Example | undefined;
      /** Where example i (train then test) is drawn, in page pixels. */
      pointOnPage(i: number): [number, number] | undefined;
      /** Durations of the recent draws, in ms. */
      drawTimes(): number[];
      /** The Exercise tab's problem. */
      exercise(): Exercise | undefined;
    };
  }
}
window.playground = {
  config: () => state?.config,
  weights: () => (state?.snapshot ? currentWeights(state) : undefined),
  steps: () => state?.snapshot?.steps ?? 0,
  selected: () => (state?.selected === undefined ? undefined : example(state, state.selected)),
  drawTimes: () => [...drawTimes],
  exercise: () => exerciseView?.exercise(),
  pointOnPage: (i) => {
    const plane = state?.prepared.plane;
    if (!plane) return undefined;
    const box = boundary.getBoundingClientRect();
    const [px, py] = toCanvas(plane, box.width, box.height, plane.xy[2 * i], plane.xy[2 * i + 1]);
    return [box.left + px, box.top + py];
  },
};

// Tabs and the URL ----------------------------------------------------------------------------

type Tab = 'playground' | 'exercise';
const TABS: Tab[] = ['playground', 'exercise'];
let tab: Tab = 'playground';
let exerciseView: ExerciseView | undefined;

/**
 * The URL of what is on screen: the playground's settings, and the exercise's seed and level
 * when its tab is open or they are not the defaults.
 */
function writeUrl(): void {
  if (!state) return;
  const parts = [settingsToQuery(state.settings)];
  const ex = exerciseView?.settings();
  if (tab === 'exercise') parts.push('tab=exercise');
  if (ex && (tab === 'exercise' || ex.seed !== EXERCISE_DEFAULTS.seed || ex.level !== EXERCISE_DEFAULTS.level))
    parts.push(exerciseToQuery(ex));
  history.replaceState(null, '', `?${parts.join('&')}`);
}

function selectTab(next: Tab, focus = false): void {
  tab = next;
  for (const t of TABS) {
    const button = $<HTMLButtonElement>(`tab-${t}`);
    button.setAttribute('aria-selected', String(t === next));
    button.tabIndex = t === next ? 0 : -1;
    $(`panel-${t}`).hidden = t !== next;
    if (t === next && focus) button.focus();
  }
  writeUrl();
}

function wireTabs(): void {
  for (const t of TABS) $(`tab-${t}`).addEventListener('click', () => selectTab(t));
  // The tab list's keys: arrows move between the tabs, Home and End go to the first and last.
  document.querySelector('[role="tablist"]')!.addEventListener('keydown', (e) => {
    const key = (e as KeyboardEvent).key;
    const i = TABS.indexOf(tab);
    const to =
      key === 'ArrowRight'
        ? TABS[(i + 1) % TABS.length]
        : key === 'ArrowLeft'
          ? TABS[(i + TABS.length - 1) % TABS.length]
          : key === 'Home'
            ? TABS[0]
            : key === 'End'
              ? TABS[TABS.length - 1]
              : undefined;
    if (to) {
      e.preventDefault();
      selectTab(to, true);
    }
  });
}

buildFeatureBoxes();
wire();
wireTabs();
// Read once: the first apply() rewrites the URL.
const query = location.search;
const exerciseFromUrl = exerciseFromQuery(query);
exerciseView = createExerciseView($('exercise'), exerciseFromUrl.settings, writeUrl);
$('ex-message').textContent = exerciseFromUrl.problems.join('\n');
const fromUrl = settingsFromQuery(query);
const problems = [...fromUrl.problems];
let first = apply(fromUrl.settings);
if (first) {
  problems.push(`${first}; using the default settings`);
  first = apply({ ...DEFAULTS, features: [...DEFAULTS.features], hidden: [...DEFAULTS.hidden] });
}
settingsMessage.textContent = problems.join('\n');
// The playground is drawn first (its drawing needs its box's size), then the tab the URL names.
if (new URLSearchParams(query).get('tab') === 'exercise') selectTab('exercise');
requestAnimationFrame(frame);
