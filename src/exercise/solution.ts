/**
 * The worked solution of an exercise, step by step in the notes' order and numbering: each
 * quantity's formula, its shape, the numbers substituted and the result. Written once as text
 * with the notes' symbols; Markdown and LaTeX are made from the same lines for a worksheet.
 */
import type { Exercise, Rows } from './problem.js';
import { evaluate, QUANTITIES, type QuantityKey, sizesOf, type Values } from './quantities.js';

/** One step of the solution. */
export interface SolutionStep {
  key: QuantityKey;
  /** As the notes write it: `δ2`, `∂L/∂W`. */
  symbol: string;
  /** `δ2 = δ1·U ∘ σ′(z)` */
  title: string;
  equation?: string;
  shape: [number, number];
  /** The numbers substituted, one line per entry or row. */
  work: string[];
  value: Rows;
}

export type SolutionFormat = 'text' | 'markdown' | 'latex';

export const SOLUTION_FORMATS: readonly SolutionFormat[] = ['text', 'markdown', 'latex'];

/** A computed number in five significant digits, with the notes' minus sign. */
export function num(v: number): string {
  const s = Number.parseFloat(v.toPrecision(5)).toString();
  return s.replace('-', '−');
}

/** A factor in a product: negative numbers in parentheses. */
const factor = (v: number) => (v < 0 ? `(${num(v)})` : num(v));
const sum = (terms: string[]) => terms.join(' + ').replace(/\+ −/g, '− ');
const list = (v: readonly number[]) => `[${v.map(num).join(', ')}]`;

type Work = (v: Values, ex: Exercise) => string[];

const eachRow = (m: Rows, f: (row: number[], i: number) => string) => m.map((row, i) => f(row, i));
const sgdWork =
  (p: (ex: Exercise) => Rows, g: QuantityKey, name: string): Work =>
  (v, ex) =>
    eachRow(
      p(ex),
      (row, i) =>
        `${name} row ${i + 1}: ${list(row)} − ${num(ex.eta)}·${list(v[g][i])} = ${list(v[`${name}_new` as QuantityKey][i])}`,
    );

/** The substitution lines of each quantity. */
const WORK: Record<QuantityKey, Work> = {
  z: (v, ex) =>
    ex.W.map(
      (row, i) =>
        `z${i + 1} = ${sum([...row.map((w, j) => `${factor(w)}·${factor(ex.x[j][0])}`), num(ex.b1[i][0])])} = ${num(v.z[i][0])}`,
    ),
  h: (v) => v.z.map(([z], i) => `h${i + 1} = σ(${num(z)}) = 1/(1 + e^(${num(-z)})) = ${num(v.h[i][0])}`),
  theta: (v, ex) => [
    `θ = ${sum([...ex.U[0].map((u, i) => `${factor(u)}·${num(v.h[i][0])}`), num(ex.b2)])} = ${num(v.theta[0][0])}`,
  ],
  yhat: (v) => [`ŷ = σ(${num(v.theta[0][0])}) = ${num(v.yhat[0][0])}`],
  loss: (v, ex) => [
    `L = −[${ex.y}·log ŷ + ${1 - ex.y}·log(1 − ŷ)] = ${ex.y === 1 ? `−log ${num(v.yhat[0][0])}` : `−log(1 − ${num(v.yhat[0][0])})`} = ${num(v.loss[0][0])}`,
  ],
  delta1: (v, ex) => [`δ1 = ${num(v.yhat[0][0])} − ${ex.y} = ${num(v.delta1[0][0])}`],
  delta2: (v, ex) =>
    ex.U[0].map((u, i) => {
      const h = v.h[i][0];
      return `δ2,${i + 1} = δ1·u${i + 1}·h${i + 1}(1 − h${i + 1}) = ${factor(v.delta1[0][0])}·${factor(u)}·${num(h)}·(1 − ${num(h)}) = ${num(v.delta2[0][i])}`;
    }),
  dW: (v, ex) =>
    eachRow(
      v.dW,
      (row, i) => `row ${i + 1}: δ2,${i + 1}·xᵀ = ${factor(v.delta2[0][i])}·${list(ex.x.flat())} = ${list(row)}`,
    ),
  dU: (v) => [`∂L/∂U = ${factor(v.delta1[0][0])}·${list(v.h.flat())} = ${list(v.dU[0])}`],
  db1: (v) => [`∂L/∂b1 = ${list(v.delta2[0])}ᵀ`],
  db2: (v) => [`∂L/∂b2 = ${num(v.db2[0][0])}`],
  W_new: sgdWork((ex) => ex.W, 'dW', 'W'),
  b1_new: sgdWork((ex) => ex.b1, 'db1', 'b1'),
  U_new: sgdWork((ex) => ex.U, 'dU', 'U'),
  b2_new: (v, ex) => [`b2_new = ${num(ex.b2)} − ${num(ex.eta)}·${factor(v.db2[0][0])} = ${num(v.b2_new[0][0])}`],
};

/**
 * The worked solution: every quantity in the notes' order with the numbers substituted.
 *
 * @param ex the problem
 * @example
 * solveExercise(createExercise({ seed: 1 })).find((s) => s.key === 'delta1')?.value; // [[ŷ − y]]
 */
export function solveExercise(ex: Exercise): SolutionStep[] {
  const v = evaluate(ex);
  const { alpha, beta } = sizesOf(ex);
  return QUANTITIES.map((q) => ({
    key: q.key,
    symbol: q.symbol,
    title: `${q.symbol} = ${q.formula}`,
    equation: q.equation,
    shape: q.shape(alpha, beta),
    work: WORK[q.key](v, ex),
    value: v[q.key],
  }));
}

const shapeText = ([r, c]: [number, number]) => (r === 1 && c === 1 ? 'scalar' : `${r}×${c}`);
const eq = (s: { equation?: string }) => (s.equation ? `, eq. ${s.equation}` : '');

/** The problem's given values: a name, its shape and its rows. */
function given(ex: Exercise): { name: string; shape: string; rows: Rows }[] {
  const { alpha, beta } = sizesOf(ex);
  return [
    { name: 'W', shape: `${alpha}×${beta}`, rows: ex.W },
    { name: 'b1', shape: `${alpha}×1`, rows: ex.b1 },
    { name: 'U', shape: `1×${alpha}`, rows: ex.U },
    { name: 'b2', shape: 'scalar', rows: [[ex.b2]] },
    { name: 'x', shape: `${beta}×1`, rows: ex.x },
    { name: 'y', shape: 'label', rows: [[ex.y]] },
    { name: 'η', shape: 'learning rate', rows: [[ex.eta]] },
  ];
}

const TASK = [
  'Compute, in order: z, h, θ, ŷ, L, δ1, δ2, ∂L/∂W, ∂L/∂U, ∂L/∂b1, ∂L/∂b2,',
  'then the SGD step W_new, b1_new, U_new, b2_new (P_new = P − η·∂L/∂P).',
];

const heading = (ex: Exercise) => {
  const { alpha, beta } = sizesOf(ex);
  return {
    title: `Exercise (seed ${ex.seed}, ${ex.level})`,
    network: `the notes' network ${beta} → ${alpha} σ → 1 σ, binary cross-entropy, one plain SGD step`,
  };
};

/** The problem statement as plain text, matrices written row under row. */
export function problemText(ex: Exercise): string {
  const h = heading(ex);
  const lines = [`${h.title}: ${h.network}.`, ''];
  for (const g of given(ex)) {
    const label = g.rows.length === 1 && g.rows[0].length === 1 ? `${g.name} =` : `${g.name} (${g.shape}) =`;
    g.rows.forEach((row, i) => {
      lines.push(
        `  ${(i === 0 ? label : '').padEnd(label.length)} ${row.length === 1 && g.rows.length === 1 ? num(row[0]) : list(row)}`,
      );
    });
  }
  return [...lines, '', ...TASK].join('\n');
}

/** A LaTeX matrix (or number). */
const latexRows = (rows: Rows) =>
  rows.length === 1 && rows[0].length === 1
    ? toLatex(num(rows[0][0]))
    : `\\begin{pmatrix} ${rows.map((r) => r.map((v) => toLatex(num(v))).join(' & ')).join(' \\\\ ')} \\end{pmatrix}`;

const latexGiven = (ex: Exercise) => given(ex).map((g) => `${toLatex(g.name)} &= ${latexRows(g.rows)}`);

function textSolution(ex: Exercise, steps: SolutionStep[]): string {
  const out = [problemText(ex), ''];
  steps.forEach((s, n) => {
    out.push(`${n + 1}. ${s.title}   (${shapeText(s.shape)}${eq(s)})`, ...s.work.map((w) => `     ${w}`));
  });
  return `${out.join('\n')}\n`;
}

/** Text with the notes' symbols → LaTeX math. */
export function toLatex(s: string): string {
  return s
    .replace(/row (\d+):/g, '\\text{row $1:}\\quad ')
    .replace(/, with /g, ',\\ \\text{with}\\ ')
    .replace(/([a-zA-Z])(\d+)_new/g, '$1_{$2,\\mathrm{new}}')
    .replace(/δ(\d),(\d+)/g, '\\delta_{$1,$2}')
    .replace(/δ(\d)/g, '\\delta_{$1}')
    .replace(/([a-zA-Z])(\d+)(?![\d.])/g, '$1_{$2}')
    .replace(/_new/g, '_{\\mathrm{new}}')
    .replace(/e\^\(([^)]*)\)/g, 'e^{$1}')
    .replace(/log/g, '\\log ')
    .replace(/CE/g, '\\mathrm{CE}')
    .replace(/∂/g, '\\partial ')
    .replace(/σ′/g, "\\sigma'")
    .replace(/σ/g, '\\sigma ')
    .replace(/θ/g, '\\theta ')
    .replace(/ŷ/g, '\\hat{y}')
    .replace(/η/g, '\\eta ')
    .replace(/ᵀ/g, '^{\\top}')
    .replace(/·/g, ' \\cdot ')
    .replace(/∘/g, ' \\circ ')
    .replace(/⊗/g, ' \\otimes ')
    .replace(/×/g, ' \\times ')
    .replace(/−/g, '-')
    .replace(/→/g, '\\to ');
}

/** Running text with the notes' symbols → LaTeX, the symbols in math mode. */
const toLatexText = (s: string) =>
  s.replace(/\w+_new|\d+×\d+|[∂δθŷσ′η→][^\s,()]*/g, (m) => `$${toLatex(m)}$`).replace(/−/g, '-');

function markdownProblem(ex: Exercise): string[] {
  const h = heading(ex);
  return [
    `## ${h.title}`,
    '',
    `${h.network[0].toUpperCase()}${h.network.slice(1)}.`,
    '',
    '$$',
    '\\begin{aligned}',
    latexGiven(ex).join(' \\\\\n'),
    '\\end{aligned}',
    '$$',
    '',
    ...TASK.map(toLatexText),
  ];
}

function markdownSolution(ex: Exercise, steps: SolutionStep[]): string {
  const out = [...markdownProblem(ex), '', '## Solution'];
  steps.forEach((s, n) => {
    out.push('', `### ${n + 1}. $${toLatex(s.title)}$ (${shapeText(s.shape)}${eq(s)})`, '');
    out.push(...s.work.map((w) => `- $${toLatex(w)}$`));
  });
  return `${out.join('\n')}\n`;
}

function latexProblem(ex: Exercise): string[] {
  const h = heading(ex);
  return [
    `\\section*{${h.title}}`,
    `${toLatexText(h.network[0].toUpperCase() + h.network.slice(1))}.`,
    '\\begin{align*}',
    latexGiven(ex).join(' \\\\\n'),
    '\\end{align*}',
    toLatexText(TASK.join(' ')),
  ];
}

const LATEX_PREAMBLE = ['\\documentclass{article}', '\\usepackage{amsmath}', '\\begin{document}'];

function latexSolution(ex: Exercise, steps: SolutionStep[]): string {
  const out = [...LATEX_PREAMBLE, ...latexProblem(ex), '\\section*{Solution}'];
  steps.forEach((s, n) => {
    out.push(`\\subsection*{${n + 1}. $${toLatex(s.title)}$ (${toLatexText(shapeText(s.shape))}${eq(s)})}`);
    out.push('\\begin{align*}', s.work.map((w) => toLatex(w).replace('=', '&=')).join(' \\\\\n'), '\\end{align*}');
  });
  out.push('\\end{document}');
  return `${out.join('\n')}\n`;
}

/**
 * The problem statement alone, for a student's sheet.
 *
 * @param ex the problem
 * @param format `text`, `markdown` or `latex`
 */
export function renderProblem(ex: Exercise, format: SolutionFormat = 'text'): string {
  if (format === 'markdown') return `${markdownProblem(ex).join('\n')}\n`;
  if (format === 'latex') return `${[...LATEX_PREAMBLE, ...latexProblem(ex), '\\end{document}'].join('\n')}\n`;
  return `${problemText(ex)}\n`;
}

/**
 * The worked solution as a document.
 *
 * @param ex the problem
 * @param format `text` for a terminal, `markdown` or `latex` for a worksheet
 */
export function renderSolution(ex: Exercise, format: SolutionFormat = 'text'): string {
  const steps = solveExercise(ex);
  if (format === 'markdown') return markdownSolution(ex, steps);
  if (format === 'latex') return latexSolution(ex, steps);
  return textSolution(ex, steps);
}
