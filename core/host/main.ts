/**
 * The core host process: the built entry out/main/coreHost.js. The desktop
 * app starts it as an Electron utilityProcess (it talks over
 * process.parentPort); the command line's `run`, the end-to-end bridge, the
 * integration tests and the bench start the same file with
 * child_process.fork (Node IPC). Only this entry (and the CLI's) imports
 * core/; main never does.
 */
import { parentPortLink, processLink, type ParentPortLike } from './links.js';
import { serveHost } from './serve.js';

const parentPort = (process as { parentPort?: ParentPortLike }).parentPort;
const link = parentPort ? parentPortLink(parentPort) : processLink();
const host = serveHost(link, { onClosed: () => setImmediate(() => process.exit(0)) });

// The parent went away without asking (it crashed or was killed): stop at once, as a crash would.
// Numbers being dialed become `uncertain` and the lease runs out (docs/DOMAIN.md, crash recovery).
link.onClose(() => process.exit(1));

// Ctrl-C in a terminal reaches the whole process group: the parent decides (the CLI's `run` stops the
// engine and asks for the last figures), so the host ignores SIGINT. SIGTERM ends connected calls and
// closes the store before exiting.
process.on('SIGINT', () => {});
let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void host.close().finally(() => process.exit(0));
});
