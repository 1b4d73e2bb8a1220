/**
 * Next.js config. The `@/*` path alias comes from tsconfig.json (Next reads its `paths`).
 * COOP/COEP make the page cross-origin isolated, so SharedArrayBuffer exists and the tfjs WASM
 * backend can use threads; they also mean nothing may load from another origin without CORP,
 * which suits an app that must work offline.
 * @type {import('next').NextConfig}
 */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The whole repository (tests, CLI, bench) is type-checked by `npm run typecheck`; `next build`
  // would check it again and fail the app build on an unrelated test file.
  typescript: { ignoreBuildErrors: true },
  // `import text from './file?raw'` gives the file's text, read at build time (as Vite and Vitest
  // do natively; the CLI's Node hook is scripts/raw-loader.mjs). The export templates use it
  // (engine/export/scripts.ts). Next 16 builds with Turbopack; `type: 'text'` needs no loader.
  turbopack: {
    rules: {
      '*': { condition: { query: '?raw' }, type: 'text' },
    },
  },
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
          { key: 'Cross-Origin-Embedder-Policy', value: 'require-corp' },
          { key: 'Cross-Origin-Resource-Policy', value: 'same-origin' },
        ],
      },
    ];
  },
};

export default nextConfig;
