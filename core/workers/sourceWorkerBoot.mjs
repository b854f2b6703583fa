// Starts a worker thread's TypeScript entry from source (vitest, the dev loader): see nodeWorker.ts.
// Its last two arguments are tsx's ESM API and the entry; they are removed before the entry runs.
const [tsxApi, entry] = process.argv.splice(-2, 2);
const { register } = await import(tsxApi);
register();
await import(entry);
