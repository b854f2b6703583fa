import { escapeForTerminal, parseCommand, unwrap, type CliHost, type Output } from '../io.js';
import { describeTask } from './task.js';

/**
 * `autocall run`: the scheduler and the dialing engine without a window, in
 * the core host process (forked under Node; the packaged app's CLI already
 * runs in its own utility process). Only one process dials a data folder
 * (the lease): if the desktop app is dialing, this waits until it stops.
 * With --until-idle it exits once no task is running or due.
 */
export async function runCommand({ api, client }: CliHost, args: string[], out: Output): Promise<void> {
  const { values } = parseCommand(args, { 'until-idle': { type: 'boolean' } });
  unwrap(await client.control('engine.start', {}));
  const stop = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  let stopping = false;
  void stop.then(() => (stopping = true));
  // A host that died (it should not) ends the loop; its error surfaces at the next request.
  void client.closed.then(() => (stopping = true));
  let lastLine = '';
  let warnedOther = false;
  while (!stopping) {
    await Promise.race([stop, client.closed, new Promise((r) => setTimeout(r, 500))]);
    const status = unwrap(await api.engine.status({}));
    if (status.otherHolder && !warnedOther) {
      warnedOther = true;
      process.stderr.write(`Another AutoCall process (${escapeForTerminal(status.otherHolder)}) is dialing this data folder; waiting until it stops.\n`);
    }
    const active = unwrap(await api.task.list({ page: 1, pageSize: 500, status: 'running' })).items;
    const line = active.map(describeTask).join('\n');
    if (line && line !== lastLine && !out.json) process.stderr.write(escapeForTerminal(line) + '\n');
    lastLine = line;
    if (values['until-idle'] && status.dialing && unwrap(await client.control('engine.idle', {}))) break;
  }
  unwrap(await client.control('engine.stop', {}));
  const recent = unwrap(await api.task.list({ page: 1, pageSize: 50 }));
  out.value(recent.items, (items) => (items.length ? items.map(describeTask).join('\n') : 'No tasks.'));
}
