import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKPROP_VERSION } from '../../src/data/version.js';

describe('BACKPROP_VERSION', () => {
  it("is package.json's version (exports name it as their producer)", () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'));
    expect(BACKPROP_VERSION).toBe(pkg.version);
  });
});
