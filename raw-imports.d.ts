// `import text from './file?raw'`: a file's text, read when the code is built (Vite/Vitest natively,
// Next via turbopack.rules in next.config.js, tsx via scripts/raw-loader.mjs).
declare module '*?raw' {
  const text: string;
  export default text;
}
