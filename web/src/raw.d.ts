// Vite's `?raw` imports: a file's text, inlined into the bundle (the page fetches nothing more).
declare module '*?raw' {
  const text: string;
  export default text;
}
