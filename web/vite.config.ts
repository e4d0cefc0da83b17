// The customer H5 app, built into dist/ and served by the server at / (assets under /app/).
// Nothing is fetched from a CDN: every byte is in the bundle or comes from the server.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/app/',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2020', sourcemap: false },
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
});
