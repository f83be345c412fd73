/**
 * The shape of the shells: a command imports no other command (shared formatting lives in
 * helper modules), and nothing under src/data imports Node's built-ins or the Node-only code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './run-cli.js';

const imports = (file: string) =>
  [...readFileSync(file, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/g)].map(
    (m) => m[1],
  );

describe('the layout of the shells', () => {
  it('no command imports another command', () => {
    const dir = join(REPO, 'src', 'cli');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    const commands = files.filter((f) =>
      /\bregister[A-Z]\w*\(program: Command\)/.test(readFileSync(join(dir, f), 'utf8')),
    );
    expect(commands.length).toBeGreaterThanOrEqual(9);
    for (const file of commands) {
      const others = imports(join(dir, file)).filter((p) =>
        commands.some((c) => p === `./${c.replace(/\.ts$/, '.js')}`),
      );
      expect(others, file).toEqual([]);
    }
  });

  it('src/data imports no Node built-in and nothing from src/node or src/cli', () => {
    const dir = join(REPO, 'src', 'data');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const bad = imports(join(dir, file)).filter((p) => p.startsWith('node:') || /^\.\.\/(node|cli)\//.test(p));
      expect(bad, file).toEqual([]);
    }
  });
});
