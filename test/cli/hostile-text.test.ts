/**
 * Hostile text: formula labels in a shared model reach `predict --out` neutralised, control
 * characters never reach the terminal, model files cannot name prototype keys, TF.js weights
 * paths cannot leave the model's directory.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvField, escapeControl, neutralizeCell, parseJsonData } from '../../src/data/safe-text.js';
import { run, tempDir } from './run-cli.js';

const FORMULAS = ["=cmd|' /C calc'!A0", '@SUM(1+1)'];

/** A small binary CSV whose two classes are formulas (and a feature name with an escape). */
function hostileData(dir: string): void {
  const rows = ['a,b,label'];
  for (let i = 0; i < 40; i++) rows.push(`${i % 7},${(i * 3) % 5},"${FORMULAS[i % 2]}"`);
  writeFileSync(join(dir, 'h.csv'), `${rows.join('\n')}\n`);
}

describe('CSV cells', () => {
  it('formulas get a leading quote; numbers, including negative ones, stay numbers', () => {
    expect(neutralizeCell('=1+2')).toBe("'=1+2");
    expect(neutralizeCell('+1+2')).toBe("'+1+2");
    expect(neutralizeCell('-x')).toBe("'-x");
    expect(neutralizeCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(neutralizeCell('\tx')).toBe("'\tx");
    expect(neutralizeCell('\rx')).toBe("'\rx");
    for (const n of ['-0.5', '+1e3', '-2', '0.25']) expect(neutralizeCell(n)).toBe(n);
    expect(csvField("=cmd|' /C calc'!A0")).toBe("'=cmd|' /C calc'!A0");
    expect(csvField('=a,b')).toBe(`"'=a,b"`);
  });

  it('predict --out writes the formula labels of a model neutralised', () => {
    const dir = tempDir();
    hostileData(dir);
    expect(run(['train', 'h.csv', '--epochs', '3', '--out', 'm.json', '--quiet'], dir).code).toBe(0);
    const r = run(['predict', 'm.json', 'h.csv', '--out', 'p.csv'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('40 predictions written to p.csv\n');
    const lines = readFileSync(join(dir, 'p.csv'), 'utf8').trim().split('\n').slice(1);
    for (const line of lines) {
      const label = line.slice(line.indexOf(',') + 1);
      expect(label.startsWith("'=") || label.startsWith("'@")).toBe(true);
      expect(Number(line.slice(0, line.indexOf(',')))).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('the terminal', () => {
  it('escapeControl writes control characters as escapes', () => {
    expect(escapeControl('a\x1b[2Jb\x07\x9b')).toBe('a\\x1b[2Jb\\x07\\x9b');
    expect(escapeControl('tab\tok')).toBe('tab\tok');
  });

  it('a label with an escape sequence is printed escaped by evaluate', () => {
    const dir = tempDir();
    const rows = ['a,b,label'];
    for (let i = 0; i < 40; i++) rows.push(`${i % 7},${(i * 3) % 5},${i % 2 ? 'ok' : '\x1b]0;pwned\x07x'}`);
    writeFileSync(join(dir, 'e.csv'), `${rows.join('\n')}\n`);
    expect(run(['train', 'e.csv', '--epochs', '2', '--out', 'm.json', '--quiet'], dir).code).toBe(0);
    const r = run(['evaluate', 'm.json', 'e.csv'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\\x1b]0;pwned\\x07x');
    expect(r.stdout.includes('\x1b') || r.stdout.includes('\x07')).toBe(false);
  });
});

describe('model files', () => {
  it('__proto__, constructor and prototype keys are refused', () => {
    expect(() => parseJsonData('{"a": {"__proto__": {"x": 1}}}', 'm.json')).toThrow(/key '__proto__'/);
    expect(() => parseJsonData('{"constructor": 1}', 'm.json')).toThrow(/key 'constructor'/);
    expect(parseJsonData('{"label": "constructor"}', 'm.json')).toEqual({ label: 'constructor' });
    const dir = tempDir();
    expect(run(['init', '--out', 'm.json', '--quiet'], dir).code).toBe(0);
    const text = readFileSync(join(dir, 'm.json'), 'utf8').replace(
      '"format"',
      '"__proto__": {"polluted": true},\n  "format"',
    );
    writeFileSync(join(dir, 'bad.json'), text);
    const r = run(['explain', 'bad.json', '--x', '1,2,3'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^backprop: bad\.json: has a key '__proto__'/);
  });

  it("a TF.js weights path that leaves the model's directory is refused", () => {
    const dir = tempDir();
    expect(run(['init', '--out', 'm.json', '--quiet'], dir).code).toBe(0);
    expect(run(['export', 'm.json', '--format', 'tfjs', '--out', 'web', '--quiet'], dir).code).toBe(0);
    mkdirSync(join(dir, 'secret'));
    writeFileSync(join(dir, 'secret', 'w.bin'), readFileSync(join(dir, 'web', 'group1-shard1of1.bin')));
    for (const path of ['../secret/w.bin', '/etc/passwd']) {
      const json = JSON.parse(readFileSync(join(dir, 'web', 'model.json'), 'utf8'));
      json.weightsManifest[0].paths = [path];
      writeFileSync(join(dir, 'web', 'model.json'), JSON.stringify(json));
      const r = run(['import', 'web/model.json', '--out', 'x.json'], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/leaves the model's directory/);
    }
  });
});
