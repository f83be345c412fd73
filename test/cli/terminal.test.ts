/**
 * The CLI in a real (pseudo-)terminal: tmux runs each command in a 100×20 pane, and the test
 * reads the screen and its scrollback as a person would see them. The epoch lines scroll past
 * the screen, the progress bar is gone when training ends, nothing is printed over anything
 * else, the cursor is visible afterwards — also after Ctrl-C.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, IRIS, tempDir } from './run-cli.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const SOCKET = `bp-test-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });

/** Starts `command` in a new 100×20 pane; the shell prints EXIT=<code> when it ends. */
function start(name: string, cwd: string, command: string): void {
  const script = `cd '${cwd}' && ${command}; echo EXIT=$?; sleep 60`;
  tmux('new-session', '-d', '-s', name, '-x', '100', '-y', '20', script);
}

/** The pane's scrollback and screen, as text. */
const screen = (name: string) => tmux('capture-pane', '-p', '-S', '-', '-t', name);

async function waitFor(name: string, pattern: RegExp, ms = 60_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const text = screen(name);
    if (pattern.test(text)) return text;
    if (Date.now() > end) throw new Error(`timed out waiting for ${pattern}; screen:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const cursorVisible = (name: string) => tmux('display-message', '-p', '-t', name, '#{cursor_flag}').trim() === '1';

afterAll(() => {
  if (hasTmux) spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
});

const EPOCH = /^epoch +\d+\/\d+ {2}loss \d+\.\d{4} {2}acc \d\.\d{4} {2}val_loss \d+\.\d{4} {2}val_acc \d\.\d{4}$/;

describe.skipIf(!hasTmux)('in a terminal', () => {
  it('train: epoch lines scroll past the screen in order, then the summary; no bar left, cursor shown', async () => {
    const dir = tempDir();
    start('train', dir, `node ${CLI} train ${IRIS} --epochs 150 --log-every 5 --out m.json`);
    const text = await waitFor('train', /EXIT=\d+/);
    const lines = text.split('\n').map((l) => l.trimEnd());
    expect(lines).toContain('EXIT=0');
    const epochs = lines.filter((l) => l.startsWith('epoch'));
    // 1, 5, 10, …, 150: every one on its own line, whole, in order.
    expect(epochs.map((l) => Number(/epoch +(\d+)/.exec(l)![1]))).toEqual([
      1,
      ...Array.from({ length: 30 }, (_, i) => 5 * (i + 1)),
    ]);
    for (const l of epochs) expect(l).toMatch(EPOCH);
    const summary = lines.indexOf('network 4-4-3 (sigmoid, softmax; categorical_crossentropy), 150 epochs (completed)');
    expect(summary).toBe(lines.indexOf(epochs[epochs.length - 1]) + 1);
    expect(lines).toContain('model written to m.json');
    expect(text).not.toMatch(/training \[/);
    expect(cursorVisible('train')).toBe(true);
  });

  it('demo: the same, with the explanation after the summary', async () => {
    const dir = tempDir();
    start('demo', dir, `node ${CLI} demo --out m.json`);
    const text = await waitFor('demo', /EXIT=\d+/);
    const lines = text.split('\n').map((l) => l.trimEnd());
    expect(lines).toContain('EXIT=0');
    const epochs = lines.filter((l) => l.startsWith('epoch'));
    expect(epochs.length).toBeGreaterThan(2);
    for (const l of epochs) expect(l).toMatch(EPOCH);
    const last = lines.indexOf(epochs[epochs.length - 1]);
    expect(lines[last + 1]).toMatch(/^network 3-4-1 /);
    expect(lines.indexOf('model written to m.json')).toBeGreaterThan(last);
    expect(text).not.toMatch(/training \[/);
    expect(cursorVisible('demo')).toBe(true);
  });

  it('Ctrl-C: training stops, the model is saved as interrupted, exit 130, cursor shown', async () => {
    const dir = tempDir();
    start('ctrlc', dir, `node ${CLI} train ${IRIS} --epochs 1000000 --batch-size 1 --out m.json`);
    await waitFor('ctrlc', /training \[.*\] \d+\/1000000/);
    tmux('send-keys', '-t', 'ctrlc', 'C-c');
    const text = await waitFor('ctrlc', /EXIT=\d+/);
    expect(text).toMatch(/EXIT=130/);
    expect(text).toMatch(/interrupted: the model after \d+ epochs written to m\.json/);
    const model = JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8'));
    expect(model.training.stopReason).toBe('interrupted');
    expect(cursorVisible('ctrlc')).toBe(true);
    expect(existsSync(join(dir, 'm.json'))).toBe(true);
  });

  it("train on a large CSV: a reading bar with the file's size first, then the training bar; neither left", async () => {
    const dir = tempDir();
    // ~40 MB: long enough to read that the bar is on screen for a while.
    const fd = openSync(join(dir, 'big.csv'), 'w');
    writeSync(fd, 'a,b,c,d,e,f,g,h,y\n');
    const rows: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const v = Array.from({ length: 8 }, (_, j) => ((i * 7919 + j * 104729) % 1000) / 1000);
      rows.push(`${v.map((x) => x.toFixed(6)).join(',')},${v[0] + v[1] > 1 ? 1 : 0}`);
    }
    const block = `${rows.join('\n')}\n`;
    for (let k = 0; k < 30; k++) writeSync(fd, block);
    closeSync(fd);
    const size = statSync(join(dir, 'big.csv')).size;
    start('reading', dir, `node ${CLI} train big.csv --hidden 4 --epochs 1 --out m.json`);
    const shown = await waitFor('reading', /reading \[[█░]{40}\] \d+ of \d+ MB/);
    expect(shown).toContain(`of ${Math.round(size / 1e6)} MB`);
    const text = await waitFor('reading', /EXIT=\d+/, 120_000);
    expect(text).toContain('EXIT=0');
    expect(text).not.toMatch(/reading \[/);
    expect(text).not.toMatch(/training \[/);
  }, 150_000);
});
