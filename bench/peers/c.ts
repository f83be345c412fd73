/**
 * The hand-written C reference (bench/c/mlp.c), compiled with the machine's gcc at bench time and
 * run as a subprocess that times its own training loop. The problem is handed over as a file of
 * float64 values, so it trains on exactly the same data from exactly the same weights.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LEARNING_RATE, type Problem } from '../workloads.js';
import type { Peer, Plan, SelfTimed } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
export const C_SOURCE = join(here, '..', 'c', 'mlp.c');
export const C_FLAGS = ['-O3', '-march=native'];

/** gcc's first version line, or undefined when there is no gcc. */
export function gccVersion(): string | undefined {
  const r = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0] : undefined;
}

/** Compiles mlp.c into `outDir`; returns the binary's path. Throws with gcc's message on failure. */
export function compileC(outDir: string): string {
  if (gccVersion() === undefined) throw new Error('gcc not found: install gcc to run the C reference');
  mkdirSync(outDir, { recursive: true });
  const bin = join(outDir, 'mlp');
  const r = spawnSync('gcc', [...C_FLAGS, '-o', bin, C_SOURCE, '-lm'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc ${C_FLAGS.join(' ')} failed: ${r.stderr.trim()}`);
  return bin;
}

/** The C peer; `binary` is set by the parent process after compiling (or the compile error). */
export function cPeer(binary: string | Error): Peer {
  return {
    name: 'c',
    description: `hand-written C (bench/c/mlp.c), gcc ${C_FLAGS.join(' ')}, float64`,
    workloads: ['W1', 'W2', 'W3'],
    async runSelfTimed(problem: Problem, plan: Plan): Promise<SelfTimed> {
      if (binary instanceof Error) throw binary;
      const w = problem.workload;
      const dir = mkdtempSync(join(tmpdir(), 'backprop-bench-'));
      try {
        const file = join(dir, 'problem.f64');
        const parts = [
          problem.x.subarray(0, plan.samples * w.inputs),
          problem.y.subarray(0, plan.samples),
          problem.evalX,
          problem.evalY,
          problem.weights.w1,
          problem.weights.b1,
          problem.weights.w2,
          problem.weights.b2,
        ];
        const total = parts.reduce((s, p) => s + p.length, 0);
        const all = new Float64Array(total);
        let at = 0;
        for (const p of parts) {
          all.set(p, at);
          at += p.length;
        }
        writeFileSync(file, new Uint8Array(all.buffer));
        const args = [w.inputs, w.hidden, plan.samples, w.batchSize, problem.evalSamples, LEARNING_RATE];
        const out = execFileSync(
          binary,
          [file, ...args.map(String), String(plan.warmupSamples), String(plan.runs), String(plan.samples)],
          { encoding: 'utf8', maxBuffer: 1 << 20 },
        );
        return JSON.parse(out) as SelfTimed;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
