/**
 * The playground as the end-to-end tests see it: web/ built with Vite into a temporary folder,
 * served from 127.0.0.1 on a free port as any static server would, and a headless browser. One
 * set-up for every file that drives the page, whichever browser it drives.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll } from 'vitest';

/** Where the test runs save their screenshots (ignored by git). */
export const SHOTS = 'test-output/playground';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Builds the playground (web/vite.config.ts) into a new temporary folder and returns it. */
export async function buildPlayground(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'playground-'));
  await build({ configFile: 'web/vite.config.ts', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  return outDir;
}

/**
 * Serves `root` on 127.0.0.1 (a free port); resolves to the base URL and a way to stop.
 * @param root the folder to serve
 */
export function serve(root: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    const file = join(root, path.endsWith('/') ? `${path}index.html` : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}/`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

/** The served page and the browser, filled in by the suite's beforeAll. */
export interface PlaygroundSite<B> {
  /** The page's address, ending in a slash. */
  url: string;
  /** The built files' folder (temporary). */
  dir: string;
  /** A temporary folder of the tests' own, apart from the served files: downloads, files to open. */
  scratch: string;
  browser: B;
}

/**
 * Builds and serves the playground and launches a browser before the enclosing suite's tests,
 * and closes all three (and removes the folders) after them. Call it inside `describe`.
 * @param launch starts the headless browser
 * @example
 * const site = usePlaygroundSite(launchChromium);
 * it('loads', async () => { const page = await site.browser.newPage(); await page.goto(site.url); });
 */
export function usePlaygroundSite<B extends { close(): Promise<void> }>(launch: () => Promise<B>): PlaygroundSite<B> {
  const site = {} as PlaygroundSite<B>;
  let server: { close(): Promise<void> } | undefined;
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    site.dir = await buildPlayground();
    site.scratch = mkdtempSync(join(tmpdir(), 'playground-files-'));
    const served = await serve(site.dir);
    server = served;
    site.url = served.url;
    site.browser = await launch();
  }, 120_000);
  afterAll(async () => {
    await site.browser?.close();
    await server?.close();
    for (const folder of [site.dir, site.scratch]) if (folder) await rm(folder, { recursive: true, force: true });
  });
  return site;
}
