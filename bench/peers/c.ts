/**
 * The hand-written C reference (bench/c/mlp.c), compiled with the machine's gcc at bench time and
 * run as a subprocess that times its own training loop: for its own job, the whole plan in one
 * run; for a pair of alternated peers, as a session serving one epoch per command. The problem is
 * handed over as a file of float64 values, so it trains on exactly the same data from exactly the
 * same weights.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LEARNING_RATE, type Problem } from '../workloads.js';
import type { Peer, Plan, SelfTimed, Session } from './types.js';

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
      const dir = mkdtempSync(join(tmpdir(), 'backprop-bench-'));
      try {
        const args = problemArgs(problem, plan.samples, dir);
        const out = execFileSync(
          binary,
          [...args, String(plan.warmupSamples), String(plan.runs), String(plan.samples)],
          { encoding: 'utf8', maxBuffer: 1 << 20 },
        );
        return JSON.parse(out) as SelfTimed;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    async load(problem: Problem): Promise<Session> {
      if (binary instanceof Error) throw binary;
      return serve(binary, problem);
    },
  };
}

/** Writes the problem's first `samples` rows, held-out set and weights to a file in `dir`; the binary's arguments. */
function problemArgs(problem: Problem, samples: number, dir: string): string[] {
  const w = problem.workload;
  const file = join(dir, 'problem.f64');
  const parts = [
    problem.x.subarray(0, samples * w.inputs),
    problem.y.subarray(0, samples),
    problem.evalX,
    problem.evalY,
    problem.weights.w1,
    problem.weights.b1,
    problem.weights.w2,
    problem.weights.b2,
  ];
  const all = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  writeFileSync(file, new Uint8Array(all.buffer));
  return [file, ...[w.inputs, w.hidden, samples, w.batchSize, problem.evalSamples, LEARNING_RATE].map(String)];
}

/**
 * The binary serving commands (see bench/c/mlp.c) as a session: each call writes one command and
 * waits for its one-line reply. `train`'s time is the binary's own, as in its self-timed runs.
 */
function serve(binary: string, problem: Problem): Session {
  const dir = mkdtempSync(join(tmpdir(), 'backprop-bench-'));
  const child = spawn(binary, problemArgs(problem, problem.samples, dir), { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  // A binary that cannot start: its stdout just ends, and `ask` reports this.
  child.on('error', (err) => {
    stderr += err.message;
  });
  child.stdin.on('error', () => {});
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const ask = async (command: string): Promise<string> => {
    child.stdin.write(`${command}\n`);
    const reply = await lines.next();
    if (reply.done)
      throw new Error(`the C reference stopped at '${command}': ${stderr.trim() || `exit ${child.exitCode}`}`);
    return reply.value;
  };
  let lastMs: number | undefined;
  return {
    async reset() {
      await ask('reset');
    },
    async train(samples) {
      lastMs = Number(await ask(`train ${samples}`));
    },
    lastTrainMs: () => lastMs,
    async predictEval() {
      return Float64Array.from((await ask('predict')).split(' '), Number);
    },
    dispose() {
      child.stdin.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
