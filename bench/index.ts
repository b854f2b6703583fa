/**
 * `npm run bench`: runs every benchmark and prints its figures. Pass names
 * to run some only: `npm run bench -- roster rtp`. Everything from the
 * first `--flag` on goes to each chosen bench: `npm run bench -- combined
 * --calls 200 --rows 200000`.
 */
const BENCHES: Record<string, string> = {
  recording: './recording.ts',
  roster: './roster.ts',
  rtp: './rtp.ts',
  callrate: './callrate.ts',
  tasks: './taskQueries.ts',
  taskrun: './taskRun.ts',
  host: './host.ts',
  combined: './combined.ts',
  smsdelivery: './smsDelivery.ts',
};

export async function main(args: string[]): Promise<void> {
  const firstFlag = args.findIndex((a) => a.startsWith('--'));
  const names = firstFlag >= 0 ? args.slice(0, firstFlag) : args;
  const flags = firstFlag >= 0 ? args.slice(firstFlag) : [];
  const chosen = names.length > 0 ? names : Object.keys(BENCHES);
  for (const name of chosen) {
    const file = BENCHES[name];
    if (!file) {
      console.error(`unknown benchmark ${name}; known: ${Object.keys(BENCHES).join(', ')}`);
      process.exitCode = 2;
      return;
    }
    console.log(`\n=== ${name} ===`);
    try {
      const mod = (await import(file)) as { main?: (args: string[]) => Promise<void> };
      if (!mod.main) throw new Error(`${file} exports no main()`);
      await mod.main(flags);
    } catch (err) {
      console.error(`${name} failed: ${err instanceof Error ? err.stack : String(err)}`);
      process.exitCode = 1;
    }
  }
}
