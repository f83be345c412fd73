/**
 * ONNX export: a model file → one `.onnx` file (IR version 7, opset 13 of the default domain),
 * encoded with protobufjs from the onnx.proto subset in onnx-proto.ts. See docs/interop.md.
 *
 * The graph: input `input` float [N, inputs] (raw features); the standardisation as
 * `Sub(input, standardize/mean)` then `Div(·, standardize/std)` (float32 initializers μ and σ),
 * or, with `foldStandardization`, folded into the first layer (see export-layers.ts); per layer a Gemm (Y = A·B + C, transA = transB = 0,
 * the kernel [in, out] and bias [out] as float32 initializers), then Sigmoid, Tanh, Relu or
 * Softmax(axis = −1), nothing for linear; the last value is named `output` float [N, units].
 * The feature names, target, label mapping and loss go in the model's `metadata_props` as JSON.
 */
import protobuf from 'protobufjs';
import type { ActivationName } from '../nn/activations.js';
import { type ExportOptions, exportLayers, standardizationStep } from './export-layers.js';
import type { Model } from './model-file.js';
import { ONNX_PROTO } from './onnx-proto.js';
import { BACKPROP_VERSION } from './version.js';

/** The IR version written: 7, the one that came with opset 13 (ONNX 1.8). */
export const ONNX_IR_VERSION = 7;
/** The opset of the default ("ai.onnx") domain the graph uses. */
export const ONNX_OPSET = 13;
/** Names of the graph's input and output. */
export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'output';

const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTRIBUTE_INT = 2; // AttributeProto.AttributeType.INT

let root: protobuf.Root | undefined;
/**
 * onnx.proto's message types, parsed once.
 * @example
 * const { ModelProto } = onnxTypes(); ModelProto.decode(bytes);
 */
export function onnxTypes(): { ModelProto: protobuf.Type } {
  root ??= protobuf.parse(ONNX_PROTO, { keepCase: true }).root;
  return { ModelProto: root.lookupType('onnx.ModelProto') };
}

const ACTIVATION_OPS: Record<ActivationName, string | undefined> = {
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  relu: 'Relu',
  softmax: 'Softmax',
  linear: undefined,
};

/** Little-endian float32 bytes of `values`. */
function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  return bytes;
}

/** A float tensor ValueInfo with a symbolic batch dimension N. */
function floatMatrixInfo(name: string, cols: number) {
  return {
    name,
    type: {
      tensor_type: { elem_type: FLOAT, shape: { dim: [{ dim_param: 'N' }, { dim_value: cols }] } },
    },
  };
}

/**
 * The ModelProto of a model, as a plain object (the fields of onnx.proto, snake_case).
 * @param model the model
 * @param options `foldStandardization`: fold the standardisation into the first Gemm rather
 *   than export it as Sub and Div nodes
 * @example
 * onnxModelObject(model).graph; // the nodes, initialisers, input and output
 */
export function onnxModelObject(model: Model, options: ExportOptions = {}): Record<string, unknown> {
  const layers = exportLayers(model, options);
  const step = standardizationStep(model, options);
  const initializer: unknown[] = [];
  const node: unknown[] = [];
  let value = ONNX_INPUT;
  if (step) {
    // (x − μ)/σ as the model computes it, in two exact-as-float32 steps rather than a folded product.
    const n = step.mean.length;
    initializer.push(
      { name: 'standardize/mean', dims: [n], data_type: FLOAT, raw_data: float32Bytes(step.mean) },
      { name: 'standardize/std', dims: [n], data_type: FLOAT, raw_data: float32Bytes(step.std) },
    );
    node.push(
      { name: 'standardize/Sub', op_type: 'Sub', input: [value, 'standardize/mean'], output: ['standardize/centred'] },
      {
        name: 'standardize/Div',
        op_type: 'Div',
        input: ['standardize/centred', 'standardize/std'],
        output: ['standardize/x'],
      },
    );
    value = 'standardize/x';
  }
  layers.forEach((l, i) => {
    const name = `dense_${i + 1}`;
    const isLast = i === layers.length - 1;
    const op = ACTIVATION_OPS[l.activation];
    initializer.push(
      { name: `${name}/kernel`, dims: [l.inputs, l.units], data_type: FLOAT, raw_data: float32Bytes(l.kernel) },
      { name: `${name}/bias`, dims: [l.units], data_type: FLOAT, raw_data: float32Bytes(l.bias) },
    );
    const z = isLast && !op ? ONNX_OUTPUT : `${name}/z`;
    node.push({
      name: `${name}/Gemm`,
      op_type: 'Gemm',
      input: [value, `${name}/kernel`, `${name}/bias`],
      output: [z],
    });
    value = z;
    if (op) {
      const a = isLast ? ONNX_OUTPUT : `${name}/a`;
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
  const last = layers[layers.length - 1];
  const metadata: Record<string, string> = {
    'backprop.features': JSON.stringify(model.features),
    'backprop.labels': JSON.stringify(model.labels),
    'backprop.loss': JSON.stringify(model.network.loss.config),
    ...(model.target !== undefined ? { 'backprop.target': model.target } : {}),
    ...(step ? { 'backprop.standardization': JSON.stringify(step) } : {}),
  };
  return {
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'backprop',
    producer_version: BACKPROP_VERSION,
    doc_string: `A multilayer perceptron exported by backprop. Input: raw feature values (standardisation ${step ? 'applied by the Sub and Div nodes before the first layer' : 'folded into the first layer'}).`,
    graph: {
      name: 'backprop_mlp',
      node,
      initializer,
      input: [floatMatrixInfo(ONNX_INPUT, layers[0].inputs)],
      output: [floatMatrixInfo(ONNX_OUTPUT, last.units)],
    },
    metadata_props: Object.entries(metadata).map(([key, v]) => ({ key, value: v })),
  };
}

/**
 * The bytes of the `.onnx` file of a model (nothing is written).
 * @param model the model
 * @param options `foldStandardization`: fold the standardisation into the first Gemm
 * @example
 * const blob = new Blob([toOnnx(model)], { type: 'application/octet-stream' });
 */
export function toOnnx(model: Model, options: ExportOptions = {}): Uint8Array {
  const { ModelProto } = onnxTypes();
  const object = onnxModelObject(model, options);
  const problem = ModelProto.verify(object);
  // A bug, not bad input: the object is built above from a checked model.
  if (problem) throw new Error(`ONNX ModelProto: ${problem}`);
  return ModelProto.encode(ModelProto.fromObject(object)).finish();
}
