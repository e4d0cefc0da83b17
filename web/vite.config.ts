// The customer H5 app and the consoles, built into dist/ and served by the server at / and
// /console (assets under /app/).
// Nothing is fetched from a CDN: every byte is in the bundle or comes from the server.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/app/',
  build: {
    outDir: 'dist', emptyOutDir: true, target: 'es2020', sourcemap: false,
    // Two pages: the customer app (/) and the consoles (/console).
    rollupOptions: { input: { app: 'index.html', console: 'console.html' } },
  },
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
});
