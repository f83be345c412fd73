/** `backprop exercise` end to end: problems, checks and exit codes, solutions, sheets, the interactive mode. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exerciseFromJson } from '../../src/exercise/problem.js';
import { map, type Rows, rightAnswers } from '../helpers/exercise-answers.js';
import { run, tempDir } from './run-cli.js';

/** The problem `exercise --json` prints for these flags, and its right answers. */
function problem(dir: string, ...flags: string[]) {
  const r = run(['exercise', ...flags, '--json'], dir);
  expect(r.code).toBe(0);
  const ex = exerciseFromJson(JSON.parse(r.stdout), 'stdout');
  return { text: r.stdout, ex, right: rightAnswers(ex) };
}

describe('backprop exercise', () => {
  it('prints the same problem for the same seed, in the notes notation or as JSON', () => {
    const dir = tempDir();
    expect(problem(dir, '--seed', '5').text).toBe(problem(dir, '--seed', '5').text);
    expect(problem(dir, '--seed', '6').text).not.toBe(problem(dir, '--seed', '5').text);
    const r = run(['exercise', '--seed', '5', '--level', 'easy'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/W \(4×3\) =/);
    expect(r.stdout).toMatch(/η = /);
  });

  it('check: exit 0 when every answer is right, 1 with the diagnosis when not', () => {
    const dir = tempDir();
    const { ex, right } = problem(dir, '--seed', '9', '--sizes', '3,4,1');
    writeFileSync(join(dir, 'right.json'), JSON.stringify(right));
    const ok = run(['exercise', 'check', 'right.json', '--seed', '9'], dir);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/15 of 15 right/);

    const last = ex.W.length - 1;
    const h = (right.h as Rows).flat();
    const x = ex.x.flat();
    const typo = ex.U[0].map((u, i) =>
      x.map((xj) => (right.delta1 as number) * u * h[i === last ? 0 : i] * (1 - h[i === last ? 0 : i]) * xj),
    );
    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ delta1: right.delta1, dW: typo, db1: right.delta2 }));
    const bad = run(['exercise', 'check', 'typo.json', '--seed', '9', '--json'], dir);
    expect(bad.code).toBe(1);
    const verdicts = JSON.parse(bad.stdout).verdicts;
    expect(verdicts.map((v: { right: boolean }) => v.right)).toEqual([true, false, false]);
    expect(verdicts[1].mistake.code).toBe('slide-typo');
    expect(verdicts[2].mistake.code).toBe('b1-shape');

    writeFileSync(join(dir, 'problem.json'), problem(dir, '--seed', '9').text);
    writeFileSync(join(dir, 'flipped.json'), JSON.stringify({ delta1: -(right.delta1 as number) }));
    const text = run(['exercise', 'check', 'flipped.json', '--problem', 'problem.json'], dir);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/δ1\s+wrong: the sign of δ1 is flipped/);
  });

  it('bad answers or problem files: one line naming the file and key, exit 2', () => {
    const dir = tempDir();
    const cases: [string, string, RegExp][] = [
      ['shape.json', '{"dW": [[1, 2]]}', /^backprop: shape\.json: 'dW': expected 4×3, got 1×2\n$/],
      ['nan.json', '{"z": ["a", 1, 2, 3]}', /^backprop: nan\.json: 'z': expected a 4×1 matrix/],
      ['key.json', '{"grad": 1}', /^backprop: key\.json: unknown key 'grad'/],
      ['broken.json', '{"z": ', /^backprop: broken\.json: not valid JSON/],
    ];
    for (const [file, text, message] of cases) {
      writeFileSync(join(dir, file), text);
      const r = run(['exercise', 'check', file, '--seed', '1'], dir);
      expect(r.code, file).toBe(2);
      expect(r.stderr, file).toMatch(message);
    }
    writeFileSync(join(dir, 'notaproblem.json'), '{"format": "backprop-model"}');
    const r = run(['exercise', 'check', 'shape.json', '--problem', 'notaproblem.json'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^backprop: notaproblem\.json: not a backprop exercise/);
    expect(run(['exercise', '--sizes', '3,4,2'], dir).stderr).toMatch(/expected inputs,hidden,1/);
  });

  it('solution: every step with its equation, in text, Markdown and LaTeX', () => {
    const dir = tempDir();
    const text = run(['exercise', 'solution', '--seed', '2'], dir).stdout;
    for (const s of ['δ1 = ∂L/∂θ = ŷ − y', 'eq. 3', 'eq. 4–5', 'eq. 6', 'eq. 7', 'b2_new = b2 − η·∂L/∂b2']) {
      expect(text).toContain(s);
    }
    expect(run(['exercise', 'solution', '--seed', '2', '--format', 'markdown'], dir).stdout).toMatch(
      /^### 8\. \$\\partial L/m,
    );
    const tex = run(['exercise', 'solution', '--seed', '2', '--format', 'latex'], dir).stdout;
    expect(tex).toMatch(/^\\documentclass/);
    expect(tex).toMatch(/\\end\{document\}\n$/);
  });

  it('sheet: one problem and solution per student, the same bytes for the same seed, all or nothing', () => {
    const dir = tempDir();
    for (const out of ['a', 'b']) {
      expect(run(['exercise', 'sheet', '--count', '3', '--seed', '100', '--out', out], dir).code).toBe(0);
    }
    const files = readdirSync(join(dir, 'a')).sort();
    expect(files).toEqual([
      'student-1-problem.json',
      'student-1-problem.md',
      'student-1-solution.md',
      'student-2-problem.json',
      'student-2-problem.md',
      'student-2-solution.md',
      'student-3-problem.json',
      'student-3-problem.md',
      'student-3-solution.md',
    ]);
    for (const f of files) expect(readFileSync(join(dir, 'b', f))).toEqual(readFileSync(join(dir, 'a', f)));
    const second = JSON.parse(readFileSync(join(dir, 'a', 'student-2-problem.json'), 'utf8'));
    expect(second.seed).toBe(101);

    const again = run(['exercise', 'sheet', '--count', '2', '--seed', '1', '--out', 'a'], dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/a: exists and is not empty/);
    expect(readdirSync(join(dir, 'a')).sort()).toEqual(files);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('--interactive: checks each answer as it comes, with hints and worked steps', () => {
    const dir = tempDir();
    const { right } = problem(dir, '--seed', '4');
    const z = (right.z as Rows).flat().join(' ');
    const wrongH = map(right.h as Rows, (v) => v + 1)
      .flat()
      .join(', ');
    const input = [z, 'hint', wrongH, 'show', 'nonsense', String(right.theta), 'quit', ''].join('\n');
    const r = run(['exercise', '--seed', '4', '--interactive'], dir, input);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/z \(4×1\) = +right/);
    expect(r.stdout).toMatch(/h = σ\(z\)/); // the hint
    expect(r.stdout).toMatch(/h1 = σ\(/); // the worked step
    expect(r.stdout).toMatch(/'h'|'θ'|expected a number/);
    expect(r.stdout).toMatch(/θ \(scalar\) = +right/);
    expect(r.stdout).toMatch(/2 of 15 quantities right/);
    expect(existsSync(join(dir, 'model.json'))).toBe(false);
  });
});
