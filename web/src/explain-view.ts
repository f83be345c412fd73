/**
 * The explain panel: one example's forward and backward pass, every quantity with its shape and
 * equation number, computed by the library — `explain` (what `backprop explain` prints: the
 * notes' quantities and the SGD step) on the notes' two-layer network, `computeGradients` (the
 * batched backprop over a batch of one) in the per-layer form otherwise. Each value sits in an
 * element with `data-quantity` (its text the value, `data-value` the full-precision numbers as
 * JSON), and hovering a quantity lights up where it lives on the drawing.
 * "Step through" reveals the quantities one equation at a time, forward, backward, then the update.
 */
import { num } from './format.js';
import { computeGradients, explain, fromRows, isNotesShaped, type Network, toRows } from './library.js';

/** Where each quantity lives on the network drawing (the `data-group` of its SVG group). */
const PLACE: Record<string, string> = {
  x: 'x',
  z: 'h',
  h: 'h',
  delta2: 'h',
  db1: 'h',
  theta: 'yhat',
  yhat: 'yhat',
  loss: 'yhat',
  delta1: 'yhat',
  db2: 'yhat',
  dW: 'W',
  dU: 'U',
  Wnext: 'W',
  Unext: 'U',
};

/**
 * Step-through: how many quantities are shown, in the order of the computation (forward, then
 * backward, then the update); undefined shows them all. Kept across redraws while training.
 */
let revealed: number | undefined;

export interface Example {
  x: number[];
  y: number[];
  /** How the example is named in the heading (e.g. "train example 12"). */
  label: string;
}

function shape(m: number[][]): string {
  return `${m.length}×${m[0]?.length ?? 0}`;
}

function matrixText(m: number[][]): string {
  return m.map((r) => r.map((v) => num(v)).join('  ')).join('\n');
}

interface Row {
  symbol: string;
  formula: string;
  equation: string;
  quantity: string;
  value: number | number[][];
}

function renderRows(host: HTMLElement, rows: Row[], drawing: HTMLElement | undefined): void {
  const controls = document.createElement('div');
  controls.className = 'step-through';
  const button = (name: string, onClick: () => void) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = name;
    b.addEventListener('click', onClick);
    controls.append(b);
    return b;
  };
  const table = document.createElement('div');
  table.className = 'explain-grid';
  const cells: HTMLElement[] = [];
  for (const r of rows) {
    const cell = document.createElement('div');
    cell.className = 'q';
    cell.dataset.place = PLACE[r.quantity] ?? '';
    const head = document.createElement('div');
    head.className = 'q-head';
    const isMatrix = typeof r.value !== 'number';
    head.textContent = `${r.formula}${isMatrix ? `  (${shape(r.value as number[][])})` : ''}${r.equation ? `  eq. ${r.equation}` : ''}`;
    const value = document.createElement('div');
    value.className = isMatrix ? 'q-value matrix' : 'q-value';
    value.dataset.quantity = r.quantity;
    value.dataset.value = JSON.stringify(r.value);
    value.textContent = typeof r.value === 'number' ? num(r.value) : matrixText(r.value);
    cell.append(head, value);
    table.append(cell);
    cells.push(cell);
  }
  const show = () => {
    cells.forEach((c, i) => {
      c.classList.toggle('later', revealed !== undefined && i >= revealed);
      c.classList.toggle('current', revealed !== undefined && i === revealed - 1);
    });
    if (drawing) light(drawing, revealed === undefined ? undefined : cells[revealed - 1]?.dataset.place);
    next.disabled = revealed === undefined || revealed >= cells.length;
  };
  button('Step through', () => {
    revealed = 1;
    show();
  });
  const next = button('Next equation', () => {
    if (revealed !== undefined && revealed < cells.length) revealed++;
    show();
  });
  button('Show all', () => {
    revealed = undefined;
    show();
  });
  host.append(controls, table);
  show();
}

/** Lights up the part of the drawing at `place` (a `data-group`), or nothing. */
function light(drawing: HTMLElement, place: string | undefined): void {
  for (const g of drawing.querySelectorAll('[data-group]')) {
    g.classList.toggle('lit', place !== undefined && place !== '' && g.getAttribute('data-group') === place);
  }
}

/** Fills `host` with the explanation of `ex` under `net`; η is the learning rate of the step shown. */
export function renderExplain(host: HTMLElement, net: Network, ex: Example, lr: number, drawing?: HTMLElement): void {
  host.replaceChildren();
  const heading = document.createElement('p');
  heading.className = 'explain-heading';
  host.append(heading);
  if (isNotesShaped(net)) {
    // The library's explain (what `backprop explain` prints): the notes' quantities and the SGD step.
    const x = fromRows([ex.x]);
    const { json: q } = explain({
      model: {
        network: net,
        features: ex.x.map((_, i) => `x${i + 1}`),
        labels: { kind: 'binary', classes: ['0', '1'] },
      },
      x,
      raw: x,
      y: fromRows([ex.y]),
      yGiven: true,
      lr,
      source: ex.label,
    });
    const sgd = 'W' in q.sgd ? q.sgd : { W: [], U: [] }; // the notes' form always has W and U
    heading.textContent = `${ex.label}: x = (${ex.x.map((v) => num(v)).join(', ')}), y = ${ex.y[0]} — the notes' network, one SGD step with η = ${lr}`;
    renderRows(
      host,
      [
        { symbol: 'x', formula: 'x', equation: '', quantity: 'x', value: q.x! },
        { symbol: 'z', formula: 'z = W x + b1', equation: '', quantity: 'z', value: q.z! },
        { symbol: 'h', formula: 'h = σ(z)', equation: '', quantity: 'h', value: q.h! },
        { symbol: 'θ', formula: 'θ = U h + b2', equation: '', quantity: 'theta', value: q.theta! },
        { symbol: 'ŷ', formula: 'ŷ = σ(θ)', equation: '', quantity: 'yhat', value: q.yhat! },
        { symbol: 'L', formula: 'L = CE(ŷ, y)', equation: '', quantity: 'loss', value: q.loss },
        { symbol: 'δ1', formula: 'δ1 = ∂L/∂θ = ŷ − y', equation: '3', quantity: 'delta1', value: q.delta1! },
        { symbol: 'δ2', formula: 'δ2 = δ1·U ∘ σ′(z)', equation: '4–5', quantity: 'delta2', value: q.delta2! },
        { symbol: '∂L/∂W', formula: '∂L/∂W = δ2ᵀ ⊗ xᵀ', equation: '6', quantity: 'dW', value: q.dW! },
        { symbol: '∂L/∂U', formula: '∂L/∂U = δ1·hᵀ', equation: '7', quantity: 'dU', value: q.dU! },
        { symbol: '∂L/∂b1', formula: '∂L/∂b1 = δ2ᵀ', equation: '', quantity: 'db1', value: q.db1! },
        { symbol: '∂L/∂b2', formula: '∂L/∂b2 = δ1', equation: '', quantity: 'db2', value: q.db2! },
        { symbol: 'W', formula: 'W ← W − η ∂L/∂W', equation: '', quantity: 'Wnext', value: sgd.W },
        { symbol: 'U', formula: 'U ← U − η ∂L/∂U', equation: '', quantity: 'Unext', value: sgd.U },
      ],
      drawing,
    );
    return;
  }
  // Any other network: the per-layer form, Z_l = A_{l−1}·K_l + b_l, A_l = f(Z_l), δ_l = ∂L/∂Z_l.
  const g = computeGradients(net, fromRows([ex.x]), fromRows([ex.y]));
  heading.textContent = `${ex.label}: x = (${ex.x.map((v) => num(v)).join(', ')}), y = (${ex.y.join(', ')}) — per-layer form, loss ${num(g.loss)}`;
  const rows: Row[] = [{ symbol: 'x', formula: 'A0 = x', equation: '', quantity: 'x', value: [ex.x] }];
  net.layers.forEach((_, l) => {
    const n = l + 1;
    rows.push(
      {
        symbol: `z${n}`,
        formula: `Z${n} = A${l}·K${n} + b${n}`,
        equation: '',
        quantity: `z${n}`,
        value: toRows(g.workspace.z[l]),
      },
      {
        symbol: `a${n}`,
        formula: `A${n} = f${n}(Z${n})`,
        equation: '',
        quantity: `a${n}`,
        value: toRows(g.workspace.a[l]),
      },
    );
  });
  rows.push({ symbol: 'L', formula: 'L', equation: '', quantity: 'loss', value: g.loss });
  for (let l = net.layers.length - 1; l >= 0; l--) {
    const n = l + 1;
    rows.push(
      {
        symbol: `δ${n}`,
        formula: `δ${n} = ∂L/∂Z${n}`,
        equation: '',
        quantity: `delta_${n}`,
        value: toRows(g.workspace.delta[l]),
      },
      {
        symbol: `∂L/∂K${n}`,
        formula: `∂L/∂K${n} = A${l}ᵀ·δ${n}`,
        equation: '',
        quantity: `dK${n}`,
        value: toRows(g.gradients[l].kernel),
      },
    );
  }
  renderRows(host, rows, drawing);
}

/** Lights up the part of the drawing a hovered or focused quantity belongs to. */
export function linkToDrawing(panel: HTMLElement, drawing: HTMLElement): void {
  for (const type of ['pointerover', 'focusin'] as const) {
    panel.addEventListener(type, (e) =>
      light(drawing, (e.target as HTMLElement).closest<HTMLElement>('.q')?.dataset.place || undefined),
    );
  }
  panel.addEventListener('pointerleave', () => {
    const current = panel.querySelector<HTMLElement>('.q.current');
    light(drawing, current?.dataset.place);
  });
}
