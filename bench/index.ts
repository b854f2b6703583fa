/**
 * `npm run bench`: runs every benchmark and prints its figures. Pass names
 * to run some only: `npm run bench -- roster rtp`.
 */
const BENCHES: Record<string, string> = {
  recording: './recording.ts',
  roster: './roster.ts',
  rtp: './rtp.ts',
  callrate: './callrate.ts',
  tasks: './taskQueries.ts',
  taskrun: './taskRun.ts',
  host: './host.ts',
  smsdelivery: './smsDelivery.ts',
};

export async function main(args: string[]): Promise<void> {
  const chosen = args.length > 0 ? args : Object.keys(BENCHES);
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
      await mod.main([]);
    } catch (err) {
      console.error(`${name} failed: ${err instanceof Error ? err.stack : String(err)}`);
      process.exitCode = 1;
    }
  }
}
