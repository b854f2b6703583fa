// `import startX from './x.worker?nodeWorker'` (core/workers/nodeWorker.ts), as electron-vite declares it.
declare module '*?nodeWorker' {
  import type { Worker, WorkerOptions } from 'node:worker_threads';
  const start: (options: WorkerOptions) => Worker;
  export default start;
}
