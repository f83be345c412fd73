import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ONNX_INPUT, ONNX_IR_VERSION, ONNX_OPSET, ONNX_OUTPUT, onnxTypes, toOnnx } from '../../src/data/onnx.js';
import { writeOnnx } from '../../src/node/onnx-file.js';
import { exportCases, maxAbsDiff } from '../helpers/export-models.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'bp-onnx-'));

describe('export → onnxruntime-node → predict on the raw bundled data', () => {
  for (const c of exportCases()) {
    it(c.name, async () => {
      const file = join(tmp(), 'model.onnx');
      writeOnnx(file, c.model);
      const session = await ort.InferenceSession.create(readFileSync(file));
      expect(session.inputNames).toEqual([ONNX_INPUT]);
      expect(session.outputNames).toEqual([ONNX_OUTPUT]);
      const input = new ort.Tensor('float32', Float32Array.from(c.raw.data), [c.raw.rows, c.raw.cols]);
      const result = await session.run({ [ONNX_INPUT]: input });
      const y = result[ONNX_OUTPUT];
      expect(y.dims).toEqual([c.expected.rows, c.expected.cols]);
      // The same float32 bound as for TF.js (see tfjs-layers.test.ts).
      expect(maxAbsDiff(y.data as Float32Array, c.expected.data)).toBeLessThan(2e-5);
      await session.release();
    });
  }
});

describe('the ONNX file', () => {
  it('decodes as a ModelProto with the documented IR version, opset, ops and metadata', () => {
    const c = exportCases()[1]; // iris: sigmoid hidden, softmax out
    const m = onnxTypes().ModelProto.toObject(onnxTypes().ModelProto.decode(toOnnx(c.model)), {
      longs: Number,
    }) as {
      ir_version: number;
      opset_import: { domain?: string; version: number }[];
      producer_name: string;
      graph: {
        node: { op_type: string; input: string[]; output: string[]; attribute?: { name: string; i: number }[] }[];
        initializer: { name: string; dims: number[]; data_type: number; raw_data: Uint8Array }[];
        input: { name: string }[];
        output: { name: string }[];
      };
      metadata_props: { key: string; value: string }[];
    };
    expect(m.ir_version).toBe(ONNX_IR_VERSION);
    expect(m.opset_import).toEqual([{ domain: '', version: ONNX_OPSET }]);
    expect(m.producer_name).toBe('backprop');
    expect(m.graph.node.map((n) => n.op_type)).toEqual(['Sub', 'Div', 'Gemm', 'Sigmoid', 'Gemm', 'Softmax']);
    expect(m.graph.node[5].attribute).toEqual([{ name: 'axis', type: 2, i: -1 }]);
    expect(m.graph.node[0].input).toEqual(['input', 'standardize/mean']);
    expect(m.graph.node[1].input).toEqual(['standardize/centred', 'standardize/std']);
    expect(m.graph.node[2].input).toEqual(['standardize/x', 'dense_1/kernel', 'dense_1/bias']);
    expect(m.graph.node[5].output).toEqual(['output']);
    expect(m.graph.initializer.map((t) => [t.name, t.dims, t.data_type, t.raw_data.byteLength])).toEqual([
      ['standardize/mean', [4], 1, 16],
      ['standardize/std', [4], 1, 16],
      ['dense_1/kernel', [4, 6], 1, 96],
      ['dense_1/bias', [6], 1, 24],
      ['dense_2/kernel', [6, 3], 1, 72],
      ['dense_2/bias', [3], 1, 12],
    ]);
    const meta = Object.fromEntries(m.metadata_props.map((p) => [p.key, p.value]));
    expect(JSON.parse(meta['backprop.features'])).toEqual(c.model.features);
    expect(JSON.parse(meta['backprop.labels'])).toEqual(c.model.labels);
    expect(meta['backprop.target']).toBe('species');
    expect(JSON.parse(meta['backprop.standardization'])).toEqual(c.model.standardization);
    // The initializers hold μ and σ rounded to float32 once.
    const floats = (b: Uint8Array) => Array.from(new Float32Array(new Uint8Array(b).buffer));
    expect(floats(m.graph.initializer[0].raw_data)).toEqual(c.model.standardization!.mean.map(Math.fround));
    expect(floats(m.graph.initializer[1].raw_data)).toEqual(c.model.standardization!.std.map(Math.fround));
  });

  it('a linear output layer is the Gemm itself', () => {
    const c = exportCases()[2];
    const m = onnxTypes().ModelProto.decode(toOnnx(c.model)) as unknown as {
      graph: { node: { op_type: string; output: string[] }[] };
    };
    expect(m.graph.node.map((n) => n.op_type)).toEqual(['Sub', 'Div', 'Gemm', 'Tanh', 'Gemm']);
    expect(m.graph.node[4].output).toEqual(['output']);
  });

  it('is the same bytes for the same model', () => {
    const c = exportCases()[0];
    expect(Buffer.from(toOnnx(c.model)).equals(Buffer.from(toOnnx(c.model)))).toBe(true);
  });

  it('refuses to replace an existing file unless forced, and refuses a directory', () => {
    const dir = tmp();
    const file = join(dir, 'm.onnx');
    writeFileSync(file, 'old');
    const c = exportCases()[1];
    expect(() => writeOnnx(file, c.model)).toThrow(`${file}: already exists; use --force to replace it`);
    expect(readFileSync(file, 'utf8')).toBe('old');
    writeOnnx(file, c.model, { force: true });
    expect(readFileSync(file).byteLength).toBeGreaterThan(100);
    expect(readdirSync(dir)).toEqual(['m.onnx']);
    expect(() => writeOnnx(dir, c.model)).toThrow(`${dir}: is a directory, expected a file name ending in .onnx`);
  });
});
