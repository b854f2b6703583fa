import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { AppErrorShape, Result } from '../../shared/result.js';
import type { FromHost, HostControlName, HostControls, HostInit, Link, ParentRequestName, ParentRequests, ToHost } from '../../shared/host/protocol.js';
import { systemClock, type Clock } from '../clock.js';
import { Core, type CoreOptions } from '../core.js';
import { openSealedKeyBox } from '../credentials/sealedKeyBox.js';
import { FileKeySecretBox } from '../credentials/secretBox.js';
import { AppError, problem, problemOf, toErrorShape } from '../errors.js';
import { dataPaths } from '../paths.js';
import { TaskStore } from '../tasks/taskStore.js';
import { processMediaThread, type MediaThread } from '../telephony/media/workerMedia.js';

type ControlHandlers = { [K in HostControlName]: (input: HostControls[K]['input']) => HostControls[K]['output'] | Promise<HostControls[K]['output']> };

export interface ServeOptions {
  /** Called once the core is closed after `host.close` (the entry exits the process). */
  onClosed?: () => void;
  /** Injected by in-process tests; the host process uses the system clock (or the test clock of HostInit). */
  clock?: Clock;
}

/**
 * The core host: opens the Core from the parent's first message (HostInit)
 * and serves the contract over the link, whatever carries it (Electron's
 * parentPort, Node's IPC, an in-process channel). Requests that arrive
 * while the core is opening wait for it.
 */
export function serveHost(link: Link<FromHost, ToHost>, options: ServeOptions = {}): { close(): Promise<void> } {
  let core: Promise<Core> | undefined;
  let engineStarted = false;
  let testClock: { offsetMs: number; now(): number } | undefined;
  let mediaProbe = false;
  let nextAsk = 1;
  const asks = new Map<number, (result: Result<unknown>) => void>();

  function ask<K extends ParentRequestName>(op: K, input: ParentRequests[K]['input']): Promise<ParentRequests[K]['output']> {
    const id = nextAsk++;
    return new Promise((resolve, reject) => {
      asks.set(id, (result) => (result.ok ? resolve(result.value as ParentRequests[K]['output']) : reject(AppError.of(result.error))));
      link.send({ t: 'ask', id, op, input });
    });
  }

  async function open(init: HostInit): Promise<Core> {
    const paths = dataPaths(init.dataDir);
    const fileBox = new FileKeySecretBox(paths.cliKey);
    mediaProbe = init.mediaProbe === true;
    if (init.testClock) {
      const shifted = { offsetMs: 0, now: () => Date.now() + shifted.offsetMs };
      testClock = shifted;
    }
    const clock = testClock ?? options.clock ?? systemClock;
    const coreOptions: CoreOptions = {
      dataDir: init.dataDir,
      host: init.host,
      version: init.version,
      clock,
      secretBox:
        init.secrets === 'keychain'
          ? (db, log) =>
              openSealedKeyBox(
                db,
                {
                  encrypt: async (plain) => (await ask('secrets.encrypt', { plain })).ciphertext,
                  decrypt: async (ciphertext) => (await ask('secrets.decrypt', { ciphertext })).plain,
                },
                fileBox,
                clock,
                log,
              )
          : fileBox,
      ...(init.nativeBinding ? { nativeBinding: init.nativeBinding } : {}),
      ...(init.dryRun ? { dryRun: init.dryRun } : {}),
      ...(init.engine ? { engine: init.engine } : {}),
    };
    if (init.savePath === 'ask-parent') {
      coreOptions.pickSavePath = async (suggestedName) => (await ask('dialog.pickSavePath', { suggestedName })).path;
    } else if (init.savePath === 'exports-folder') {
      // The test bridge: no dialog, the file goes to <data>/exports and the test reads it there.
      coreOptions.pickSavePath = async (suggestedName) => {
        const folder = join(init.dataDir, 'exports');
        mkdirSync(folder, { recursive: true });
        return join(folder, basename(suggestedName));
      };
    }
    if (init.loginItem === 'ask-parent') {
      coreOptions.onStartAtLoginChanged = (enabled) => {
        ask('app.setLoginItem', { enabled }).catch(() => {
          // The setting is saved either way; main logs its own failure.
        });
      };
    }
    const opened = await Core.open(coreOptions);
    opened.onEvent((event, payload) => link.send({ t: 'event', event, payload }));
    if (init.startEngine) {
      opened.startEngine();
      engineStarted = true;
    }
    return opened;
  }

  async function close(): Promise<void> {
    const opened = await core?.catch(() => undefined);
    if (!opened) return;
    if (engineStarted) await opened.stopEngine();
    else await opened.closeGateway();
    opened.close();
  }

  function controls(c: Core): ControlHandlers {
    return {
      'engine.start': () => {
        c.startEngine();
        engineStarted = true;
        return null;
      },
      'engine.stop': async () => {
        await c.stopEngine();
        engineStarted = false;
        return null;
      },
      'engine.idle': () => c.idle(),
      'tasks.pending': () => new TaskStore(c.ctx.db).hasWork(null),
      'task.exportTo': ({ id, format, path }) => c.exportTask(id, format, path),
      'test.shiftClock': ({ offsetMs }) => {
        if (!testClock) throw new AppError('host.noTestClock');
        testClock.offsetMs = offsetMs;
        return null;
      },
      'test.mediaProbeStart': () => {
        probedMediaThread(c).setProbe(true);
        hostLoopDelay.disable();
        hostLoopDelay.reset();
        hostLoopDelay.enable();
        return null;
      },
      'test.mediaProbeReport': async () => {
        const thread = probedMediaThread(c);
        await thread.ready;
        return {
          ...(await thread.probeReport()),
          scheduling: thread.scheduling ?? { realtimePriority: null, niceness: null },
          hostLoopDelayP99Ms: hostLoopDelay.count > 0 ? hostLoopDelay.percentile(99) / 1e6 : 0,
          hostLoopDelayMaxMs: hostLoopDelay.count > 0 ? hostLoopDelay.max / 1e6 : 0,
        };
      },
      'host.close': async () => {
        await close();
        return null;
      },
    };
  }

  /** The host thread's own event-loop delay over a probe (benches: what a request may wait behind). */
  const hostLoopDelay = monitorEventLoopDelay({ resolution: 1 });

  /** The thread the calls stream on (core.ts's WorkerMediaFactory uses the process's one). */
  function probedMediaThread(c: Core): MediaThread {
    if (!mediaProbe) throw new AppError('host.noMediaProbe');
    return processMediaThread((line) => c.ctx.log.warn(line));
  }

  const failure = (err: unknown): AppErrorShape => toErrorShape(err);

  link.onMessage((m) => {
    switch (m.t) {
      case 'init': {
        if (core) return;
        core = open(m.init);
        core.then(
          () => link.send({ t: 'ready', pid: process.pid }),
          (err: unknown) =>
            link.send({
              t: 'failed',
              error: problemOf(err, (detail) => problem('host.openFailed', { detail })),
            }),
        );
        return;
      }
      case 'call': {
        const opened = core;
        if (!opened) return link.send({ t: 'result', id: m.id, result: { ok: false, error: problem('host.notOpen') } });
        void opened
          .then((c) => c.dispatch(m.op, m.input))
          .then(
            (result) => link.send({ t: 'result', id: m.id, result }),
            (err: unknown) => link.send({ t: 'result', id: m.id, result: { ok: false, error: failure(err) } }),
          );
        return;
      }
      case 'control': {
        const opened = core;
        if (!opened) return link.send({ t: 'result', id: m.id, result: { ok: false, error: problem('host.notOpen') } });
        void opened
          .then(async (c) => {
            const handler = controls(c)[m.op] as ((input: unknown) => unknown) | undefined;
            if (!handler) throw new AppError('host.unknownControl', { op: String(m.op).slice(0, 80) });
            return handler(m.input ?? {});
          })
          .then(
            (value) => {
              link.send({ t: 'result', id: m.id, result: { ok: true, value } });
              if (m.op === 'host.close') options.onClosed?.();
            },
            (err: unknown) => link.send({ t: 'result', id: m.id, result: { ok: false, error: failure(err) } }),
          );
        return;
      }
      case 'reply': {
        asks.get(m.id)?.(m.result);
        asks.delete(m.id);
        return;
      }
    }
  });
  return { close };
}
