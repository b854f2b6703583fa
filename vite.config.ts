import vue from '@vitejs/plugin-vue';
import vuetify from 'vite-plugin-vuetify';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import { nodeWorkerFromSource } from './core/workers/vitePlugin.js';

/**
 * The renderer as a plain web build (used by the end-to-end tests, which
 * serve it from the test bridge) and the vitest configuration for the core.
 * The desktop bundle is built by electron-vite (electron.vite.config.ts)
 * from the same renderer sources.
 */
export default defineConfig({
  root: resolve(import.meta.dirname, 'renderer'),
  base: './',
  // nodeWorkerFromSource: `?nodeWorker` imports of the core under vitest (core/workers/nodeWorker.ts).
  plugins: [vue(), vuetify({ autoImport: true }), nodeWorkerFromSource()],
  build: {
    outDir: resolve(import.meta.dirname, 'out/renderer-web'),
    emptyOutDir: true,
  },
  test: {
    root: import.meta.dirname,
    include: ['shared/**/*.test.ts', 'core/**/*.test.ts', 'cli/**/*.test.ts', 'renderer/**/*.test.ts', 'tests/integration/**/*.test.ts', 'tests/packaging/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
