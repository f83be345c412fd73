/**
 * The network: a stack of dense layers, each `A = f(A_prev · kernel + bias)`, with the kernel
 * stored `[in, out]` as Keras stores it and the bias kept separate (the notes' convention: the
 * input is not augmented with a 1). For the notes' 3-4-1 network the hidden layer's kernel is
 * Wᵀ (3×4) and the output layer's is Uᵀ (4×1).
 */
import { ConfigError, ShapeError, ValueError } from '../core/errors.js';
import {
  type AnyMatrix,
  addRowVector,
  allFinite,
  clone,
  float64Rows,
  type Matrix,
  matmul,
  zeros,
} from '../core/matrix.js';
import { createRandom } from '../core/random.js';
import { type Activation, type ActivationName, activate, getActivation } from './activations.js';
import { type InitializerName, initialize } from './initializers.js';
import { getLoss, type Loss, type LossConfig } from './losses.js';

/** One dense layer's serialisable description. */
export interface LayerConfig {
  units: number;
  activation: ActivationName;
}

/** A network's serialisable description (no weights). */
export interface NetworkConfig {
  inputSize: number;
  layers: LayerConfig[];
  loss: LossConfig;
}

/** A dense layer with its parameters. */
export interface DenseLayer {
  readonly activation: Activation;
  /** Kernel, shape [in, out] (Keras layout). */
  readonly kernel: Matrix;
  /** Bias, length out. */
  readonly bias: Float64Array;
}

/** A multilayer perceptron with its loss. */
export interface Network {
  readonly inputSize: number;
  readonly layers: readonly DenseLayer[];
  readonly loss: Loss;
}

/** The notes' network: 3 inputs → 4 sigmoid hidden units → 1 sigmoid output, binary cross-entropy. */
export const NOTES_NETWORK: NetworkConfig = {
  inputSize: 3,
  layers: [
    { units: 4, activation: 'sigmoid' },
    { units: 1, activation: 'sigmoid' },
  ],
  loss: { name: 'binary_crossentropy' },
};

export interface InitOptions {
  /** Seed of the initialiser's random stream (default 0). */
  seed?: number;
  /** Kernel initialiser (default glorot_uniform, Keras's). */
  kernelInitializer?: InitializerName;
  /** Bias initialiser (default zeros, Keras's). */
  biasInitializer?: InitializerName;
  /** The most parameters the network may have (default: {@link parameterLimit}). */
  maxParameters?: number;
}

/**
 * The default limit on a network's parameters: 10 million, 80 MB of float64 weights and about
 * 400 MB to train with Adam (weights, gradients, the best weights so far and two moments). Larger
 * networks are refused before anything is allocated unless the limit is raised
 * ({@link setParameterLimit}, `--max-parameters`).
 */
export const DEFAULT_MAX_PARAMETERS = 10_000_000;

/** The largest typed array a kernel may be (V8 refuses longer ones); no limit raises this. */
const MAX_ARRAY_LENGTH = 2 ** 32 - 1;

let maxParameters = DEFAULT_MAX_PARAMETERS;
let memoryBytes = Number.POSITIVE_INFINITY;

/**
 * Tells the size checks how much memory there is (the CLI passes the machine's): a network whose
 * training would need more is refused whatever the parameter limit.
 * @param bytes the memory available, in bytes (Infinity: unknown)
 * @example
 * setMemoryBudget(os.totalmem());
 */
export function setMemoryBudget(bytes: number): void {
  if (!(bytes > 0)) throw new ConfigError(`the memory budget must be > 0 bytes, got ${bytes}`);
  memoryBytes = bytes;
}

/**
 * Sets the limit on a network's parameters used when no `maxParameters` is given.
 * @param limit the most parameters, an integer ≥ 1
 * @returns the previous limit
 * @example
 * setParameterLimit(50_000_000); // allow networks of up to 50 million parameters
 */
export function setParameterLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new ConfigError(`the parameter limit must be an integer ≥ 1, got ${limit}`);
  const previous = maxParameters;
  maxParameters = limit;
  return previous;
}

/**
 * The limit on a network's parameters in force (default {@link DEFAULT_MAX_PARAMETERS}).
 * @example
 * parameterLimit(); // 10000000
 */
export function parameterLimit(): number {
  return maxParameters;
}

function bytes(n: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/**
 * The size of a network before it is built: its parameters, the bytes of its float64 weights,
 * and about what training it takes (weights, gradients, the best weights and two Adam moments).
 * @param config the network's description
 * @example
 * networkSize(NOTES_NETWORK); // { parameters: 21, weightBytes: 168, trainingBytes: 840 }
 */
export function networkSize(config: NetworkConfig): { parameters: number; weightBytes: number; trainingBytes: number } {
  let fanIn = config.inputSize;
  let parameters = 0;
  for (const l of config.layers) {
    parameters += fanIn * l.units + l.units;
    fanIn = l.units;
  }
  return { parameters, weightBytes: parameters * 8, trainingBytes: parameters * 8 * 5 };
}

/** Throws unless the network is within the parameter limit and each kernel fits one array. */
function checkSize(config: NetworkConfig, limit: number): void {
  const { parameters, weightBytes, trainingBytes } = networkSize(config);
  const sizes = [config.inputSize, ...config.layers.map((l) => l.units)].join('-');
  const biggest = config.layers.reduce(
    (m, l, i) => Math.max(m, (i === 0 ? config.inputSize : config.layers[i - 1].units) * l.units),
    0,
  );
  const what = `the network ${sizes} would have ${parameters.toLocaleString('en-US')} parameters (${bytes(weightBytes)} of weights, about ${bytes(trainingBytes)} to train)`;
  if (biggest > MAX_ARRAY_LENGTH) {
    throw new ConfigError(`${what}: a layer of ${biggest.toLocaleString('en-US')} weights does not fit in memory`);
  }
  if (parameters > limit) {
    throw new ConfigError(
      `${what}, over the limit of ${limit.toLocaleString('en-US')} (raise it with --max-parameters)`,
    );
  }
  if (trainingBytes > memoryBytes) {
    throw new ConfigError(`${what}: more than the ${bytes(memoryBytes)} of memory there is`);
  }
}

/**
 * Checks a configuration and returns it with names made canonical. A network over the parameter
 * limit is refused before anything is allocated, with how big it would be.
 * @param config the network's description
 * @param limit the most parameters (default: {@link parameterLimit})
 * @example
 * checkConfig({ inputSize: 3, layers: [{ units: 1, activation: 'sigmoid' }], loss: { name: 'bce' } });
 */
export function checkConfig(config: NetworkConfig, limit = maxParameters): NetworkConfig {
  if (!Number.isInteger(config.inputSize) || config.inputSize < 1) {
    throw new ConfigError(`inputSize must be a positive integer, got ${config.inputSize}`);
  }
  if (config.layers.length < 1) throw new ConfigError('a network needs at least one layer, got none');
  config.layers.forEach((l, i) => {
    if (!Number.isInteger(l.units) || l.units < 1) {
      throw new ConfigError(`layer ${i + 1}: units must be a positive integer, got ${l.units}`);
    }
    getActivation(l.activation);
  });
  checkSize(config, limit);
  const loss = getLoss(config.loss);
  const out = config.layers[config.layers.length - 1];
  loss.checkActivation(getActivation(out.activation));
  if (out.activation === 'softmax' && out.units === 1) {
    throw new ConfigError('a softmax over one unit is always 1 and learns nothing: use a sigmoid output for one unit');
  }
  return { inputSize: config.inputSize, layers: config.layers.map((l) => ({ ...l })), loss: { ...loss.config } };
}

/** A new network with freshly initialised weights; the same seed gives bit-identical weights. */
export function createNetwork(config: NetworkConfig, options: InitOptions = {}): Network {
  const cfg = checkConfig(config, options.maxParameters);
  const rng = createRandom(options.seed ?? 0);
  let fanIn = cfg.inputSize;
  const layers = cfg.layers.map((l) => {
    const kernel = zeros(fanIn, l.units);
    const bias = new Float64Array(l.units);
    initialize(options.kernelInitializer ?? 'glorot_uniform', kernel.data, fanIn, l.units, rng);
    initialize(options.biasInitializer ?? 'zeros', bias, 1, l.units, rng);
    fanIn = l.units;
    return { activation: getActivation(l.activation), kernel, bias };
  });
  return { inputSize: cfg.inputSize, layers, loss: getLoss(cfg.loss) };
}

/** The parameters a network is made of, as plain data (kernels `[in][out]`). */
export interface LayerWeights {
  kernel: number[][];
  bias: number[];
}

/** A network from a configuration and given weights (checked against the configuration). */
export function networkFromWeights(config: NetworkConfig, weights: readonly LayerWeights[]): Network {
  // The weights exist already: only what cannot be allocated is refused.
  const cfg = checkConfig(config, Number.POSITIVE_INFINITY);
  if (weights.length !== cfg.layers.length) {
    throw new ShapeError(`expected weights for ${cfg.layers.length} layers, got ${weights.length}`);
  }
  let fanIn = cfg.inputSize;
  const layers = cfg.layers.map((l, i) => {
    const w = weights[i];
    const rows = w.kernel.length;
    const cols = rows === 0 ? 0 : w.kernel[0].length;
    if (rows !== fanIn || cols !== l.units || w.kernel.some((r) => r.length !== l.units)) {
      throw new ShapeError(`layer ${i + 1}: kernel is ${rows}×${cols}, expected ${fanIn}×${l.units} ([in, out])`);
    }
    if (w.bias.length !== l.units) {
      throw new ShapeError(`layer ${i + 1}: bias has ${w.bias.length} values, expected ${l.units}`);
    }
    const kernel = zeros(fanIn, l.units);
    w.kernel.forEach((row, r) => kernel.data.set(row, r * l.units));
    const bias = Float64Array.from(w.bias);
    if (!allFinite(kernel.data) || !allFinite(bias))
      throw new ValueError(`layer ${i + 1}: weights must be finite numbers`);
    fanIn = l.units;
    return { activation: getActivation(l.activation), kernel, bias };
  });
  return { inputSize: cfg.inputSize, layers, loss: getLoss(cfg.loss) };
}

/** The configuration a network was built from. */
export function networkConfig(net: Network): NetworkConfig {
  return {
    inputSize: net.inputSize,
    layers: net.layers.map((l) => ({ units: l.bias.length, activation: l.activation.name })),
    loss: { ...net.loss.config },
  };
}

/** A deep copy: same configuration, weights copied. */
export function cloneNetwork(net: Network): Network {
  return {
    inputSize: net.inputSize,
    layers: net.layers.map((l) => ({ activation: l.activation, kernel: clone(l.kernel), bias: l.bias.slice() })),
    loss: net.loss,
  };
}

/** Copies `from`'s weights into `to` (same architecture), reusing `to`'s storage. */
export function copyWeights(from: Network, to: Network): void {
  from.layers.forEach((l, i) => {
    to.layers[i].kernel.data.set(l.kernel.data);
    to.layers[i].bias.set(l.bias);
  });
}

/** The network's parameter arrays in a fixed order: kernel 1, bias 1, kernel 2, … */
export function parameterArrays(net: Network): Float64Array[] {
  return net.layers.flatMap((l) => [l.kernel.data, l.bias]);
}

/** Number of trainable parameters. */
export function parameterCount(net: Network): number {
  return net.layers.reduce((n, l) => n + l.kernel.data.length + l.bias.length, 0);
}

/** Output width of the network. */
export function outputSize(net: Network): number {
  return net.layers[net.layers.length - 1].bias.length;
}

/**
 * Buffers for one batch size: each layer's Z and A (kept for the backward pass) and δ = ∂L/∂Z.
 * Reused across steps so that training allocates nothing once warmed up.
 */
export interface Workspace {
  readonly batchSize: number;
  readonly z: Matrix[];
  readonly a: Matrix[];
  readonly delta: Matrix[];
}

/** Buffers sized for `batchSize` examples. */
export function createWorkspace(net: Network, batchSize: number): Workspace {
  const make = () => net.layers.map((l) => zeros(batchSize, l.bias.length));
  return { batchSize, z: make(), a: make(), delta: make() };
}

/** Throws unless `x` is a finite [n, inputSize] matrix. */
export function checkInputs(net: Network, x: AnyMatrix): void {
  if (x.cols !== net.inputSize) {
    throw new ShapeError(`input has ${x.cols} features per example, expected ${net.inputSize}`);
  }
  const X = x.data;
  if (allFinite(X)) return; // the common case, in one tight loop; then find the culprit
  for (let i = 0; i < x.rows * x.cols; i++) {
    if (!Number.isFinite(X[i])) {
      throw new ValueError(
        `input at row ${Math.floor(i / x.cols)}, column ${i % x.cols} is ${X[i]}, expected a finite number`,
      );
    }
  }
}

/**
 * The forward pass over a batch, into `ws`: Z_l = A_{l−1} · kernel_l + b_l, A_l = f_l(Z_l),
 * with A_0 = X. Returns the output A_L (a view into `ws`). Inputs are not checked: see
 * {@link predict} for the checked entry point.
 */
export function forwardProp(net: Network, x: Matrix, ws: Workspace): Matrix {
  let input = x;
  for (let l = 0; l < net.layers.length; l++) {
    const layer = net.layers[l];
    const z = ws.z[l];
    matmul(input, layer.kernel, z);
    addRowVector(z, layer.bias);
    activate(layer.activation, z, ws.a[l]);
    input = ws.a[l];
  }
  return input;
}

/** Rows per forward pass of {@link predict}: its buffers stay this size however many rows come. */
const PREDICT_BLOCK = 4096;

/**
 * The network's outputs for a batch `x` [n, inputSize], as a new [n, outputs] matrix. Computed
 * in blocks of rows (each row's outputs are the same numbers however rows are grouped), so that
 * predicting a million rows does not hold every layer's activations for all of them at once.
 */
export function predict(net: Network, x: AnyMatrix): Matrix {
  checkInputs(net, x);
  if (x.rows === 0) return zeros(0, outputSize(net));
  if (x.rows <= PREDICT_BLOCK && x.data instanceof Float64Array) {
    return clone(forwardProp(net, x as Matrix, createWorkspace(net, x.rows)));
  }
  const out = zeros(x.rows, outputSize(net));
  const ws = createWorkspace(net, Math.min(PREDICT_BLOCK, x.rows));
  const widened = new Float64Array(x.data instanceof Float32Array ? ws.batchSize * x.cols : 0);
  for (let start = 0; start < x.rows; start += PREDICT_BLOCK) {
    const count = Math.min(PREDICT_BLOCK, x.rows - start);
    const block = count === ws.batchSize ? ws : createWorkspace(net, count);
    out.data.set(forwardProp(net, float64Rows(x, start, count, widened), block).data, start * out.cols);
  }
  return out;
}
