import { defineConfig } from 'vite'

// Built by `npm run build` (./lakekeeper up and test do it); the server serves dist/ under /ui.
// No inline script or style may be emitted: the console runs under a strict CSP (docs/console.md).
export default defineConfig({
  base: '/ui/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
})
