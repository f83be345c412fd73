/**
 * The Exercise tab: the notes' derivation as an exercise, all of it from the library. The problem
 * for a seed and level (`createExercise`, written as `problemText` writes it), a field per
 * quantity in the notes' order and shapes (from `solveExercise`'s steps), Check (`parseAnswers`,
 * `checkAnswers`, `describeVerdict`) and the worked solution revealed one step at a time. The
 * page only reads the fields and lays out what the library says.
 */
import {
  type Answers,
  checkAnswers,
  createExercise,
  describeVerdict,
  EXERCISE_LEVELS,
  type Exercise,
  type ExerciseLevel,
  parseAnswers,
  problemText,
  QUANTITY_KEYS,
  type QuantityKey,
  type SolutionStep,
  solveExercise,
} from './library.js';

/** The exercise's settings, kept in the URL as `exseed` and `exlevel`. */
export interface ExerciseSettings {
  seed: number;
  level: ExerciseLevel;
}

export const EXERCISE_DEFAULTS: Readonly<ExerciseSettings> = { seed: 1, level: 'easy' };

const MAX_SEED = 2 ** 32 - 1;

function checkSeed(text: string): number | string {
  const v = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(v) || v < 0 || v > MAX_SEED) {
    return `expected an integer ≥ 0 and ≤ ${MAX_SEED}, got '${text}'`;
  }
  return v;
}

function checkLevel(text: string): ExerciseLevel | { message: string } {
  return (EXERCISE_LEVELS as readonly string[]).includes(text)
    ? (text as ExerciseLevel)
    : { message: `expected one of ${EXERCISE_LEVELS.join(', ')}, got '${text}'` };
}

/** The exercise settings a query string holds, with a message for each value replaced by its default. */
export function exerciseFromQuery(query: string): { settings: ExerciseSettings; problems: string[] } {
  const params = new URLSearchParams(query);
  const settings = { ...EXERCISE_DEFAULTS };
  const problems: string[] = [];
  const seed = params.get('exseed');
  if (seed !== null) {
    const v = checkSeed(seed);
    if (typeof v === 'number') settings.seed = v;
    else problems.push(`URL setting exseed: ${v}; using ${EXERCISE_DEFAULTS.seed}`);
  }
  const level = params.get('exlevel');
  if (level !== null) {
    const v = checkLevel(level);
    if (typeof v === 'string') settings.level = v;
    else problems.push(`URL setting exlevel: ${v.message}; using ${EXERCISE_DEFAULTS.level}`);
  }
  return { settings, problems };
}

/** The query string of the exercise settings. */
export function exerciseToQuery(s: ExerciseSettings): string {
  return `exseed=${s.seed}&exlevel=${s.level}`;
}

/** The notes' symbol of a step (`δ2` of `δ2 = δ1·U ∘ σ′(z), …`). */
const shapeText = ([r, c]: [number, number]) => (r === 1 && c === 1 ? 'scalar' : `${r}×${c}`);

/** The label of one entry of a quantity's field: `δ1`, or `∂L/∂W row 2 column 3`. */
export function entryLabel(symbol: string, shape: [number, number], i: number, j: number): string {
  return shape[0] === 1 && shape[1] === 1 ? symbol : `${symbol} row ${i + 1} column ${j + 1}`;
}

const GROUPS: { title: string; keys: readonly QuantityKey[] }[] = [
  { title: 'Forward pass', keys: ['z', 'h', 'theta', 'yhat', 'loss'] },
  { title: 'Backward pass', keys: ['delta1', 'delta2', 'dW', 'dU', 'db1', 'db2'] },
  { title: 'SGD step', keys: ['W_new', 'b1_new', 'U_new', 'b2_new'] },
];

export interface ExerciseView {
  settings(): ExerciseSettings;
  exercise(): Exercise;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text) e.textContent = text;
  return e;
}

/**
 * Builds the tab's content in `root` (which holds the inputs `#ex-seed` and `#ex-level`);
 * `changed` is called when the seed or level changes (the page then rewrites its URL).
 */
export function createExerciseView(root: HTMLElement, initial: ExerciseSettings, changed: () => void): ExerciseView {
  const seedInput = root.querySelector<HTMLInputElement>('#ex-seed')!;
  const levelSelect = root.querySelector<HTMLSelectElement>('#ex-level')!;
  const message = root.querySelector<HTMLElement>('#ex-message')!;
  const problem = root.querySelector<HTMLElement>('#ex-problem')!;
  const form = root.querySelector<HTMLFormElement>('#ex-answers')!;
  const solution = root.querySelector<HTMLOListElement>('#ex-solution')!;
  const reveal = root.querySelector<HTMLButtonElement>('#ex-reveal')!;
  const checkMessage = root.querySelector<HTMLElement>('#ex-check-message')!;
  const progress = root.querySelector<HTMLElement>('#ex-progress')!;

  let settings = { ...initial };
  let ex: Exercise;
  let steps: SolutionStep[];
  let revealed = 0;
  /** Each quantity's entry inputs ([row][column]) and the element its verdict goes in. */
  const fields = new Map<QuantityKey, { inputs: HTMLInputElement[][]; verdict: HTMLElement; box: HTMLElement }>();

  function build(): void {
    ex = createExercise({ seed: settings.seed, level: settings.level });
    steps = solveExercise(ex);
    revealed = 0;
    seedInput.value = String(settings.seed);
    levelSelect.value = settings.level;
    problem.textContent = problemText(ex);
    fields.clear();
    const byKey = new Map(steps.map((s) => [s.key, s]));
    const groups = GROUPS.map((g) => {
      const section = el('fieldset', 'ex-group');
      section.append(el('legend', '', g.title));
      for (const key of g.keys) {
        const step = byKey.get(key)!;
        const symbol = step.symbol;
        const [r, c] = step.shape;
        const box = el('div', 'ex-q');
        box.dataset.quantity = key;
        const head = el('div', 'ex-head');
        head.append(
          el('span', 'ex-symbol', symbol),
          el('span', 'ex-shape', ` ${shapeText(step.shape)}${step.equation ? `, eq. ${step.equation}` : ''}`),
        );
        const grid = el('div', 'ex-grid');
        grid.style.gridTemplateColumns = `repeat(${c}, 5.5em)`;
        const inputs: HTMLInputElement[][] = [];
        for (let i = 0; i < r; i++) {
          inputs.push([]);
          for (let j = 0; j < c; j++) {
            const input = el('input');
            input.type = 'text';
            input.inputMode = 'decimal';
            input.autocomplete = 'off';
            input.spellcheck = false;
            const label = entryLabel(symbol, step.shape, i, j);
            input.setAttribute('aria-label', label);
            input.title = label;
            grid.append(input);
            inputs[i].push(input);
          }
        }
        const verdict = el('output', 'ex-verdict');
        verdict.setAttribute('aria-live', 'polite');
        box.append(head, grid, verdict);
        section.append(box);
        fields.set(key, { inputs, verdict, box });
      }
      return section;
    });
    form.querySelector('.ex-fields')!.replaceChildren(...groups);
    checkMessage.textContent = '';
    showSolution();
  }

  function showSolution(): void {
    solution.replaceChildren(
      ...steps.slice(0, revealed).map((s, n) => {
        const li = el('li', 'ex-step');
        li.dataset.step = s.key;
        li.append(
          el(
            'div',
            'ex-step-title',
            `${n + 1}. ${s.title}   (${shapeText(s.shape)}${s.equation ? `, eq. ${s.equation}` : ''})`,
          ),
          el('pre', 'ex-work', s.work.join('\n')),
        );
        return li;
      }),
    );
    reveal.disabled = revealed >= steps.length;
    progress.textContent = `${revealed} of ${steps.length} steps shown`;
  }

  /** The answers filled in, as the JSON value `parseAnswers` reads; or a message for the first bad entry. */
  function filled(): { value: Record<string, number[][]> } | { problem: string } {
    const value: Record<string, number[][]> = {};
    for (const key of QUANTITY_KEYS) {
      const { inputs } = fields.get(key)!;
      const texts = inputs.map((row) => row.map((input) => input.value.trim().replace(/^[−–]/, '-')));
      const empty = texts.flat().filter((t) => t === '').length;
      if (empty === texts.flat().length) continue;
      const label = (i: number, j: number) => inputs[i][j].getAttribute('aria-label');
      const rows: number[][] = [];
      for (let i = 0; i < texts.length; i++) {
        rows.push([]);
        for (let j = 0; j < texts[i].length; j++) {
          const t = texts[i][j];
          if (t === '') return { problem: `${label(i, j)}: empty; fill every entry of a quantity, or none` };
          const v = Number(t);
          if (!Number.isFinite(v)) return { problem: `${label(i, j)}: '${inputs[i][j].value}' is not a number` };
          rows[i].push(v);
        }
      }
      value[key] = rows;
    }
    return { value };
  }

  function check(): void {
    for (const { verdict, box } of fields.values()) {
      verdict.textContent = '';
      box.classList.remove('right', 'wrong');
    }
    const got = filled();
    if ('problem' in got) {
      checkMessage.textContent = got.problem;
      return;
    }
    if (Object.keys(got.value).length === 0) {
      checkMessage.textContent = 'fill in at least one quantity, then Check';
      return;
    }
    let answers: Answers;
    try {
      answers = parseAnswers(got.value, ex, 'your answers');
    } catch (err) {
      checkMessage.textContent = (err as Error).message;
      return;
    }
    const verdicts = checkAnswers(ex, answers);
    for (const v of verdicts) {
      const f = fields.get(v.key)!;
      f.verdict.textContent = describeVerdict(v);
      f.box.classList.add(v.right ? 'right' : 'wrong');
    }
    const right = verdicts.filter((v) => v.right).length;
    checkMessage.textContent = `${right} of ${verdicts.length} right`;
  }

  function update(next: ExerciseSettings): void {
    settings = next;
    message.textContent = '';
    build();
    changed();
  }

  seedInput.addEventListener('change', () => {
    const v = checkSeed(seedInput.value);
    if (typeof v === 'string') {
      message.textContent = `seed: ${v}`;
      seedInput.value = String(settings.seed);
      return;
    }
    update({ ...settings, seed: v });
  });
  levelSelect.addEventListener('change', () => {
    const v = checkLevel(levelSelect.value);
    if (typeof v === 'string') update({ ...settings, level: v });
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    check();
  });
  reveal.addEventListener('click', () => {
    if (revealed < steps.length) revealed++;
    showSolution();
  });

  build();
  return { settings: () => ({ ...settings }), exercise: () => ex };
}
