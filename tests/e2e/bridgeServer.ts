/**
 * The end-to-end test bridge. TESTS ONLY: never part of the packaged app.
 *
 * It starts the built core host (out/main/coreHost.js, `npm run build:node`)
 * as a child process on a temp data folder, exactly as the CLI's `run`
 * does, and serves the built renderer (out/renderer-web) on 127.0.0.1, with
 * window.autocall provided by bridgeClient.ts over HTTP: POST
 * /rpc/<operation> -> the host, GET /events -> the host's events as
 * server-sent events, POST /upload -> a temp file path for pathForFile. Every request must come to a loopback Host (against
 * DNS rebinding), from a loopback Origin when it has one, and the API routes
 * need the random per-run token.
 *
 * By hand: `node bin/run-ts.mjs tests/e2e/bridgeServer.ts [--port N] [--data-dir DIR] [--sms]`
 * prints the URL to open (run `npm run build:node && npx vite build` first).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, extname, join, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startHost } from '../../core/host/fork.js';
import { superviseHost } from '../../shared/host/supervisor.js';
import type { HostClient } from '../../shared/host/client.js';
import type { HostInit } from '../../shared/host/protocol.js';
import { CSP } from '../../shared/security/csp.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const RENDERER_DIR = join(ROOT, 'out', 'renderer-web');
const CLIENT_ENTRY = join(ROOT, 'tests', 'e2e', 'bridgeClient.ts');

// The app's policy (shared/security/csp.ts), sent as a header as the app protocol does; the injected client is same-origin, so it fits.

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.eot': 'application/vnd.ms-fontobject',
  '.map': 'application/json',
};

const MAX_RPC_BYTES = 1024 * 1024;
const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

export interface BridgeOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Defaults to a fresh temp folder, removed by close(). */
  dataDir?: string;
  rendererDir?: string;
  /** Start the scheduler and the dialing engine, as the desktop app does. */
  startEngine?: boolean;
  version?: string;
  /** The dry-run gateway's behaviour and the engine's timing (tests make them fast and deterministic). */
  dryRun?: HostInit['dryRun'];
  engine?: HostInit['engine'];
  /** A core clock the test can move (`core.control('test.shiftClock')`: a scheduled start just before a whole WIB minute). */
  testClock?: boolean;
}

export interface Bridge {
  url: string;
  token: string;
  /** The core host running now (a new one after a restart): `dispatch`, `api`, `control` as main has them. */
  readonly core: HostClient;
  dataDir: string;
  close(): Promise<void>;
}

let clientBundle: Promise<string> | undefined;

/** bridgeClient.ts bundled for the browser with esbuild (vite's own dependency), once per process. */
export function bundleClient(): Promise<string> {
  clientBundle ??= (async () => {
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [CLIENT_ENTRY],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'chrome120',
      write: false,
      logLevel: 'silent',
    });
    const file = result.outputFiles[0];
    if (!file) throw new Error('esbuild produced no bridge client');
    return file.text;
  })();
  return clientBundle;
}

/** Uint8Array values (recording.audio) cannot cross JSON as they are: {"$bytes": base64}. */
export function encodeBytes(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (Array.isArray(value)) return value.map(encodeBytes);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeBytes(v)]));
  return value;
}

function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(res: ServerResponse, status: number, body: string | Buffer, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

function refuse(res: ServerResponse, status: number, message: string): void {
  send(res, status, JSON.stringify({ ok: false, error: { code: 'bridge.refused', message } }));
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('request too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startBridge(options: BridgeOptions = {}): Promise<Bridge> {
  const rendererDir = options.rendererDir ?? RENDERER_DIR;
  const indexFile = join(rendererDir, 'index.html');
  if (!existsSync(indexFile)) throw new Error(`${indexFile} is missing: build the renderer first with \`npx vite build\`.`);
  const client = await bundleClient();

  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'autocall-e2e-'));
  mkdirSync(dataDir, { recursive: true });
  const uploadDir = mkdtempSync(join(tmpdir(), 'autocall-e2e-uploads-'));
  const token = randomBytes(24).toString('hex');
  const streams = new Set<ServerResponse>();
  const sendEvent = (event: string, payload: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(encodeBytes(payload))}\n\n`;
    for (const res of streams) res.write(frame);
  };
  const init: HostInit = {
    dataDir,
    host: 'bridge',
    version: options.version ?? 'test',
    secrets: 'file-key',
    // The desktop app asks with a save dialog; the bridge saves into <data>/exports and the test reads the file.
    savePath: 'exports-folder',
    loginItem: 'none',
    startEngine: !!options.startEngine,
    ...(options.dryRun ? { dryRun: options.dryRun } : {}),
    ...(options.engine ? { engine: options.engine } : {}),
    ...(options.testClock ? { testClock: true } : {}),
  };
  // Supervised as main supervises it: a host that dies is started again and the page is told (app.coreRestarted).
  const firstReady = deferred<void>();
  const supervisor = superviseHost({
    start: () => startHost(init),
    onClient: (client) => {
      client.onEvent(sendEvent);
      firstReady.resolve();
    },
    onRestart: (reason) => sendEvent('app.coreRestarted', { reason, at: Date.now() }),
    onFatal: (message) => firstReady.reject(new Error(message)),
    restartDelayMs: 100,
  });
  await firstReady.promise;
  const current = () => {
    const client = supervisor.current();
    if (!client) throw new Error('no core host');
    return client;
  };

  let port = 0;
  const loopbackHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`];
  const loopbackOrigins = () => loopbackHosts().map((h) => `http://${h}`);
  const root = normalize(rendererDir + sep);

  async function serveStatic(pathname: string, res: ServerResponse): Promise<void> {
    if (pathname === '/bridge-client.js') return send(res, 200, client, MIME['.js']);
    const relative = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
    const file = normalize(join(root, relative));
    if (!file.startsWith(root)) return refuse(res, 403, 'outside the renderer folder');
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return send(res, 404, 'not found', 'text/plain');
    }
    const type = MIME[extname(file)] ?? 'application/octet-stream';
    if (file === normalize(indexFile)) {
      // A classic script runs before the deferred module script: window.autocall exists when the app starts.
      const tag = `<script src="./bridge-client.js?token=${token}"></script>\n    `;
      const html = body.toString('utf8');
      const at = html.search(/<script\b[^>]*type="module"/);
      body = Buffer.from(at >= 0 ? html.slice(0, at) + tag + html.slice(at) : html.replace('</head>', `${tag}</head>`));
    }
    res.writeHead(200, { 'content-type': type, 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Loopback only, by Host (DNS rebinding) and by Origin (other sites' pages).
    if (!loopbackHosts().includes(req.headers.host ?? '')) return refuse(res, 403, 'not a loopback host');
    const origin = req.headers.origin;
    if (origin !== undefined && !loopbackOrigins().includes(origin)) return refuse(res, 403, 'foreign origin');
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);

    if (req.method === 'GET' && url.pathname === '/events') {
      if (!sameToken(url.searchParams.get('token'), token)) return refuse(res, 403, 'bad token');
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(': connected\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    if (req.method === 'POST' && (url.pathname.startsWith('/rpc/') || url.pathname === '/upload')) {
      const given = req.headers['x-bridge-token'];
      if (!sameToken(typeof given === 'string' ? given : undefined, token)) return refuse(res, 403, 'bad token');
      if (url.pathname === '/upload') {
        const rawName = typeof req.headers['x-file-name'] === 'string' ? decodeURIComponent(req.headers['x-file-name']) : 'upload.bin';
        // Keep the user's file name (the core shows it), but never let it choose the folder.
        const name = basename(rawName.replace(/[\\/]/g, '_')) || 'upload.bin';
        const folder = mkdtempSync(join(uploadDir, 'f-'));
        const path = join(folder, name);
        let size = 0;
        req.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_UPLOAD_BYTES) req.destroy(new Error('upload too large'));
        });
        await pipeline(req, createWriteStream(path));
        return send(res, 200, JSON.stringify({ path }));
      }
      const operation = decodeURIComponent(url.pathname.slice('/rpc/'.length));
      let input: unknown;
      try {
        input = JSON.parse((await readBody(req, MAX_RPC_BYTES)).toString('utf8') || '{}');
      } catch {
        return send(res, 400, JSON.stringify({ ok: false, error: { code: 'contract.invalidInput', message: 'The request body is not JSON.' } }));
      }
      const result = await current().dispatch(operation, input);
      return send(res, 200, JSON.stringify(encodeBytes(result)));
    }
    if (req.method === 'GET' || req.method === 'HEAD') return serveStatic(url.pathname, res);
    return refuse(res, 405, 'method not allowed');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) refuse(res, 500, err instanceof Error ? err.message : String(err));
      else res.destroy();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => ok());
  });
  port = (server.address() as AddressInfo).port;
  const keepAlive = setInterval(() => {
    for (const res of streams) res.write(': ping\n\n');
  }, 15_000);

  return {
    url: `http://127.0.0.1:${port}/`,
    token,
    get core() {
      return current();
    },
    dataDir,
    async close() {
      clearInterval(keepAlive);
      for (const res of streams) res.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      // Connected calls end and are written, the store closes, the host exits.
      await supervisor.stop();
      rmSync(uploadDir, { recursive: true, force: true });
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(err: Error): void } {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((ok, fail) => ((resolve = ok), (reject = fail)));
  return { promise, resolve, reject };
}

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const port = Number(argument('--port') ?? 0);
  const dataDir = argument('--data-dir');
  const bridge = await startBridge({ port, startEngine: true, ...(dataDir ? { dataDir: resolve(dataDir) } : {}) });
  console.log(`AutoCall test bridge: ${bridge.url}`);
  console.log(`data folder: ${bridge.dataDir}${dataDir ? '' : ' (removed on exit)'}`);
  let closeSms: (() => Promise<void> | void) | undefined;
  if (process.argv.includes('--sms')) {
    const support = (await import('../support/smsProviderServer.js')) as unknown as {
      startSmsProviderServer: () => Promise<{ baseUrl: string; close: () => Promise<void> | void }>;
    };
    const sms = await support.startSmsProviderServer();
    closeSms = () => sms.close();
    console.log(`local SMS provider server: ${sms.baseUrl}`);
  }
  const stop = async () => {
    await closeSms?.();
    await bridge.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}

