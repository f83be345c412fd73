/** backprop's version (package.json), put in by Vite's `define` (web/vite.config.ts). */
declare const __BACKPROP_VERSION__: string;
