/**
 * A reference loss and gradient computed by TensorFlow.js autodiff, to check our backprop against
 * an independent implementation. On purpose this imports nothing from src/: the network is given
 * as plain arrays, the forward pass and the losses are written with tfjs ops from their textbook
 * definitions, and the gradients come from `tf.valueAndGrads`, not from any rule of ours.
 *
 * tfjs computes in float32, so its results carry float32 rounding (~6e-8 relative per op).
 */
import * as tf from '@tensorflow/tfjs';

export type ReferenceActivation = 'sigmoid' | 'tanh' | 'relu' | 'linear' | 'softmax';
export type ReferenceLoss = 'binary_crossentropy' | 'categorical_crossentropy' | 'mean_squared_error';

export interface ReferenceLayer {
  /** [in][out], as Keras stores a Dense kernel: z = a · kernel + bias. */
  kernel: readonly (readonly number[])[];
  bias: readonly number[];
  activation: ReferenceActivation;
}

export interface ReferenceProblem {
  layers: readonly ReferenceLayer[];
  loss: ReferenceLoss;
  /** [batch][in] */
  x: readonly (readonly number[])[];
  /** [batch][out] */
  y: readonly (readonly number[])[];
}

export interface ReferenceResult {
  /** The mean loss over the batch. */
  loss: number;
  /** ∂loss/∂kernel per layer, row-major [in, out]. */
  kernels: Float32Array[];
  /** ∂loss/∂bias per layer. */
  biases: Float32Array[];
}

let ready: Promise<void> | undefined;

/** Selects the pure-JS CPU backend and silences tfjs's "install tfjs-node" banner. */
export function initTfjs(): Promise<void> {
  ready ??= (async () => {
    tf.enableProdMode(); // PROD suppresses tfjs's console warnings, the Node banner included
    await tf.setBackend('cpu');
    await tf.ready();
  })();
  return ready;
}

function activate(name: ReferenceActivation, z: tf.Tensor2D): tf.Tensor2D {
  switch (name) {
    case 'sigmoid':
      return tf.sigmoid(z);
    case 'tanh':
      return tf.tanh(z);
    case 'relu':
      return tf.relu(z);
    case 'linear':
      return z;
    case 'softmax':
      return tf.softmax(z); // over the last axis: each example's units
  }
}

/** The mean batch loss from the output layer's pre-activation z and activation a. */
function meanLoss(
  loss: ReferenceLoss,
  outAct: ReferenceActivation,
  z: tf.Tensor2D,
  a: tf.Tensor2D,
  y: tf.Tensor2D,
): tf.Scalar {
  if (loss === 'binary_crossentropy' && outAct === 'sigmoid') {
    // From the logits, stably: relu(z) − z·y + log1p(e^−|z|), mean over every element.
    return tf.mean(tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z))))));
  }
  if (loss === 'binary_crossentropy') {
    // Any other (0, 1) output: −mean(y log a + (1 − y) log(1 − a)).
    const oneMinus = (t: tf.Tensor) => tf.sub(1, t);
    return tf.neg(tf.mean(tf.add(tf.mul(y, tf.log(a)), tf.mul(oneMinus(y), tf.log(oneMinus(a))))));
  }
  if (loss === 'categorical_crossentropy') {
    if (outAct !== 'softmax') throw new Error('the reference CCE is written for softmax outputs only');
    // −Σ_units y · logSoftmax(z), then the mean over the batch.
    return tf.mean(tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(z)), 1)));
  }
  return tf.mean(tf.square(tf.sub(a, y))); // MSE: mean over every element of (a − y)²
}

/** The loss and its gradient with respect to every kernel and bias, by tfjs autodiff (float32). */
export function referenceGradients(problem: ReferenceProblem): ReferenceResult {
  const { layers, loss } = problem;
  return tf.tidy(() => {
    const x = tf.tensor2d(problem.x as number[][], undefined, 'float32');
    const y = tf.tensor2d(problem.y as number[][], undefined, 'float32');
    const params: tf.Tensor[] = [];
    for (const l of layers) {
      params.push(
        tf.tensor2d(l.kernel as number[][], undefined, 'float32'),
        tf.tensor1d(l.bias as number[], 'float32'),
      );
    }
    const f = (...p: tf.Tensor[]): tf.Scalar => {
      let a = x;
      let z = x;
      layers.forEach((l, i) => {
        z = tf.add(tf.matMul(a, p[2 * i] as tf.Tensor2D), p[2 * i + 1]);
        a = activate(l.activation, z);
      });
      return meanLoss(loss, layers[layers.length - 1].activation, z, a, y);
    };
    const { value, grads } = tf.valueAndGrads(f)(params);
    return {
      loss: value.dataSync()[0],
      // Copies, so nothing aliases the backend's buffers once tidy() disposes the tensors.
      kernels: layers.map((_, i) => Float32Array.from(grads[2 * i].dataSync())),
      biases: layers.map((_, i) => Float32Array.from(grads[2 * i + 1].dataSync())),
    };
  });
}
