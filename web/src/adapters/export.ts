/**
 * ADAPTER — to be replaced by the library at merge. The library's exporters `toOnnx`
 * (src/io/onnx.ts) and `toTfjsLayers` (src/io/tfjs-layers.ts), and `exportLayers`
 * (src/io/export-layers.ts) which both use, are pure functions, but their modules import Node's
 * fs, so they cannot be bundled for the browser. These stand-ins produce the same bytes
 * (test/web/export.test.ts holds them to the library's), with backprop's version passed in
 * rather than read from package.json. Once the library keeps these functions in browser-safe
 * modules, this file becomes three re-exports.
 */
import protobuf from 'protobufjs';
import { ONNX_PROTO } from '../library.js';
import type { Model } from './model-file.js';

interface ExportLayer {
  inputs: number;
  units: number;
  activation: string;
  kernel: Float64Array;
  bias: Float64Array;
}

/** The layers with the standardisation folded into the first: z = ((x − μ)/σ)·K + b = x·(K/σ) + (b − (μ/σ)·K). */
function exportLayers(model: Model): ExportLayer[] {
  const layers = model.network.layers.map((l) => ({
    inputs: l.kernel.rows,
    units: l.kernel.cols,
    activation: l.activation.name as string,
    kernel: l.kernel.data.slice(),
    bias: l.bias.slice(),
  }));
  const st = model.standardization;
  if (st) {
    const { inputs, units, kernel, bias } = layers[0];
    for (let j = 0; j < units; j++) {
      let shift = 0;
      for (let p = 0; p < inputs; p++) shift += (st.mean[p] / st.std[p]) * kernel[p * units + j];
      bias[j] -= shift;
    }
    for (let p = 0; p < inputs; p++) for (let j = 0; j < units; j++) kernel[p * units + j] /= st.std[p];
  }
  return layers;
}

function float32Bytes(values: Float64Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return bytes;
}

const ONNX_OPS: Record<string, string | undefined> = {
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  relu: 'Relu',
  softmax: 'Softmax',
};
const FLOAT = 1;
const ATTRIBUTE_INT = 2;
let modelProto: protobuf.Type | undefined;

const matrixInfo = (name: string, cols: number) => ({
  name,
  type: { tensor_type: { elem_type: FLOAT, shape: { dim: [{ dim_param: 'N' }, { dim_value: cols }] } } },
});

/** The `.onnx` file of a model: IR 7, opset 13, Gemm + activation per layer, raw features in. */
export function toOnnx(model: Model, version: string): Uint8Array {
  const layers = exportLayers(model);
  const initializer: unknown[] = [];
  const node: unknown[] = [];
  let value = 'input';
  layers.forEach((l, i) => {
    const name = `dense_${i + 1}`;
    const isLast = i === layers.length - 1;
    const op = ONNX_OPS[l.activation];
    initializer.push(
      { name: `${name}/kernel`, dims: [l.inputs, l.units], data_type: FLOAT, raw_data: float32Bytes(l.kernel) },
      { name: `${name}/bias`, dims: [l.units], data_type: FLOAT, raw_data: float32Bytes(l.bias) },
    );
    const z = isLast && !op ? 'output' : `${name}/z`;
    node.push({ name: `${name}/Gemm`, op_type: 'Gemm', input: [value, `${name}/kernel`, `${name}/bias`], output: [z] });
    value = z;
    if (op) {
      const a = isLast ? 'output' : `${name}/a`;
      node.push({
        name: `${name}/${op}`,
        op_type: op,
        input: [value],
        output: [a],
        ...(op === 'Softmax' ? { attribute: [{ name: 'axis', type: ATTRIBUTE_INT, i: -1 }] } : {}),
      });
      value = a;
    }
  });
  const metadata: Record<string, string> = {
    'backprop.features': JSON.stringify(model.features),
    'backprop.labels': JSON.stringify(model.labels),
    'backprop.loss': JSON.stringify(model.network.loss.config),
    ...(model.target !== undefined ? { 'backprop.target': model.target } : {}),
  };
  const object = {
    ir_version: 7,
    opset_import: [{ domain: '', version: 13 }],
    producer_name: 'backprop',
    producer_version: version,
    doc_string:
      'A multilayer perceptron exported by backprop. Input: raw feature values (standardisation folded into the first layer).',
    graph: {
      name: 'backprop_mlp',
      node,
      initializer,
      input: [matrixInfo('input', layers[0].inputs)],
      output: [matrixInfo('output', layers[layers.length - 1].units)],
    },
    metadata_props: Object.entries(metadata).map(([key, v]) => ({ key, value: v })),
  };
  modelProto ??= protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');
  const problem = modelProto.verify(object);
  if (problem) throw new Error(`ONNX ModelProto: ${problem}`);
  return modelProto.encode(modelProto.fromObject(object)).finish();
}

/** The TF.js Layers files of a model: `model.json` (as an object) and the bytes of its one weights file. */
export function toTfjsLayers(
  model: Model,
  version: string,
): { modelJson: Record<string, unknown>; weights: Uint8Array } {
  const layers = exportLayers(model);
  const bytes = new Uint8Array(layers.reduce((n, l) => n + l.kernel.length + l.bias.length, 0) * 4);
  const view = new DataView(bytes.buffer);
  let offset = 0;
  const put = (values: Float64Array) => {
    for (const v of values) {
      view.setFloat32(offset, v, true);
      offset += 4;
    }
  };
  const weights: { name: string; shape: number[]; dtype: 'float32' }[] = [];
  const topology = layers.map((l, i) => {
    const name = `dense_${i + 1}`;
    put(l.kernel);
    put(l.bias);
    weights.push({ name: `${name}/kernel`, shape: [l.inputs, l.units], dtype: 'float32' });
    weights.push({ name: `${name}/bias`, shape: [l.units], dtype: 'float32' });
    return {
      class_name: 'Dense',
      config: {
        units: l.units,
        activation: l.activation,
        use_bias: true,
        kernel_initializer: {
          class_name: 'VarianceScaling',
          config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null },
        },
        bias_initializer: { class_name: 'Zeros', config: {} },
        kernel_regularizer: null,
        bias_regularizer: null,
        activity_regularizer: null,
        kernel_constraint: null,
        bias_constraint: null,
        name,
        trainable: true,
        ...(i === 0 ? { batch_input_shape: [null, l.inputs] } : {}),
        dtype: 'float32',
      },
    };
  });
  const opt = model.training?.optimizer as
    | { name: string; learningRate: number; momentum?: number; beta1?: number; beta2?: number; epsilon?: number }
    | undefined;
  const lr = opt?.learningRate;
  const optimizer =
    opt?.name === 'sgd'
      ? { class_name: 'SGD', config: { learning_rate: lr } }
      : opt?.name === 'momentum' || opt?.name === 'nesterov'
        ? {
            class_name: 'Momentum',
            config: { learning_rate: lr, momentum: opt.momentum ?? 0.9, use_nesterov: opt.name === 'nesterov' },
          }
        : opt?.name === 'adam'
          ? {
              class_name: 'Adam',
              config: {
                learning_rate: lr,
                beta1: opt.beta1 ?? 0.9,
                beta2: opt.beta2 ?? 0.999,
                epsilon: opt.epsilon ?? 1e-7,
              },
            }
          : undefined;
  const metadata = {
    format: 'backprop-model',
    version: 1,
    features: [...model.features],
    ...(model.target !== undefined ? { target: model.target } : {}),
    labels: model.labels,
    loss: { ...model.network.loss.config },
    ...(model.standardization ? { foldedStandardization: model.standardization } : {}),
    ...(model.training ? { training: model.training } : {}),
    ...(model.metrics ? { metrics: model.metrics } : {}),
  };
  const modelJson: Record<string, unknown> = {
    format: 'layers-model',
    generatedBy: `backprop ${version}`,
    convertedBy: null,
    modelTopology: {
      class_name: 'Sequential',
      config: { name: 'sequential', layers: topology },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights }],
    ...(optimizer
      ? { trainingConfig: { loss: model.network.loss.config.name, metrics: [], optimizer_config: optimizer } }
      : {}),
    userDefinedMetadata: { backprop: metadata },
  };
  return { modelJson, weights: bytes };
}
