import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';
import vuetify from 'vite-plugin-vuetify';

const root = import.meta.dirname;
/** The output folder; tests/packaging builds into a temp folder instead, to leave the checkout's out/ to the other tests. */
const out = resolve(root, process.env.AUTOCALL_BUILD_OUT ?? 'out');

/**
 * Every entry point, built once (docs/ARCHITECTURE.md, processes):
 * - out/main: Electron's main (index.js), the core host process (coreHost.js),
 *   the command line (cli.js) and the worker threads (`?nodeWorker` imports,
 *   core/workers/nodeWorker.ts). All in one flat folder, so each finds the
 *   others beside itself (core/host/fork.ts, electron/main/coreHost.ts).
 * - out/preload: the sandboxed preload, one CommonJS file.
 * - out/renderer: the renderer.
 * `electron-vite build --mode node` builds out/main alone (the CLI, the bench
 * and the tests need no window).
 */
export default defineConfig(({ mode }) => ({
  main: {
    build: {
      outDir: resolve(out, 'main'),
      rollupOptions: {
        input: {
          index: resolve(root, 'electron/main/index.ts'),
          coreHost: resolve(root, 'core/host/main.ts'),
          cli: resolve(root, 'cli/bin.ts'),
        },
        output: { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  ...(mode === 'node'
    ? {}
    : {
        preload: {
          build: {
            outDir: resolve(out, 'preload'),
            // A sandboxed preload cannot require anything but electron: bundle everything it uses.
            externalizeDeps: false,
            rollupOptions: {
              input: { index: resolve(root, 'electron/preload/index.ts') },
              output: { format: 'cjs', entryFileNames: '[name].cjs' },
            },
          },
        },
        renderer: {
          root: resolve(root, 'renderer'),
          plugins: [vue(), vuetify({ autoImport: true })],
          build: {
            outDir: resolve(out, 'renderer'),
            rollupOptions: { input: resolve(root, 'renderer/index.html') },
          },
        },
      }),
}));
