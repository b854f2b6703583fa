import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/tmp.js';

/**
 * What ships: `electron-vite build` (into a temp folder, so the checkout's
 * out/ stays with the other tests) has every entry, main's bundle holds no
 * core code, and the files electron-builder's own matcher takes from
 * electron-builder.yml's globs (app-builder-lib's getMainFileMatchers, the
 * function `electron-builder --dir` runs) are the built output only: no test
 * bridge, no TypeScript source, no dev loader; production dependencies do
 * not include tsx or a bundler. `electron-builder --dir` itself needs the
 * Electron binary, which these machines cannot download.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);

interface FileMatcher {
  from: string;
  createFilter(): (file: string, stat: Stats) => boolean;
}
const { getMainFileMatchers } = require('app-builder-lib/out/fileMatcher.js') as {
  getMainFileMatchers: (
    appDir: string,
    destination: string,
    macroExpander: (s: string) => string,
    platformSpecificBuildOptions: object,
    platformPackager: object,
    outDir: string,
    isElectronCompile: boolean,
  ) => FileMatcher[];
};
const yaml = require('js-yaml') as { load(text: string): unknown };

interface BuilderConfig {
  files: string[];
  directories: { output: string; buildResources: string };
  electronFuses: Record<string, boolean>;
  extraResources: { from: string; to: string }[];
  linux: { executableName: string };
}
const config = yaml.load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;

function walk(dir: string, visit: (path: string, stat: Stats) => boolean): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    if (visit(path, stat) && stat.isDirectory()) walk(path, visit);
  }
}

/** The asar's files, relative, as electron-builder picks them from the project with `out` standing for the build folder. */
function packagedFiles(buildDir: string): string[] {
  const [matcher] = getMainFileMatchers(
    ROOT,
    '/app',
    (s) => s,
    {},
    { info: { projectDir: ROOT, buildResourcesDir: config.directories.buildResources, isPrepackedAppAsar: false, config, debugLogger: { isEnabled: false } } },
    join(ROOT, config.directories.output),
    false,
  );
  const filter = matcher!.createFilter();
  const files: string[] = [];
  const take = (virtual: string, stat: Stats) => {
    if (!filter(virtual, stat)) return false;
    if (stat.isFile()) files.push(relative(ROOT, virtual).split(sep).join('/'));
    return true;
  };
  walk(ROOT, (path, stat) => {
    const rel = relative(ROOT, path);
    if (rel === 'out' || rel === '.git' || rel === 'node_modules' || rel === config.directories.output) return false;
    return take(path, stat);
  });
  if (take(join(ROOT, 'out'), statSync(buildDir))) walk(buildDir, (path, stat) => take(join(ROOT, 'out', relative(buildDir, path)), stat));
  return files.sort();
}

describe('the packaged app', () => {
  const tmp = makeTempDir('autocall-package-');
  const build = join(tmp.dir, 'out');

  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: ROOT,
      env: { ...process.env, AUTOCALL_BUILD_OUT: build },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }, 300_000);
  afterAll(() => tmp.cleanup());

  it('builds every entry: main, preload, renderer, the core host, the CLI and each worker', () => {
    for (const file of ['main/index.js', 'main/coreHost.js', 'main/cli.js', 'preload/index.cjs', 'renderer/index.html']) {
      expect(existsSync(join(build, file)), file).toBe(true);
    }
    const workers: string[] = [];
    walk(join(ROOT, 'core'), (path) => {
      if (path.endsWith('.worker.ts')) workers.push(path.slice(path.lastIndexOf(sep) + 1, -'.ts'.length));
      return true;
    });
    expect(workers.length).toBeGreaterThanOrEqual(2);
    const built = readdirSync(join(build, 'main'));
    for (const worker of workers) expect(built.some((f) => f.startsWith(`${worker}-`) && f.endsWith('.js')), worker).toBe(true);
    // No worker is eval'd from a string any more.
    for (const file of built) expect(readFileSync(join(build, 'main', file), 'utf8'), file).not.toMatch(/eval:\s*(true|!0)/);
  });

  it("main's bundle reaches no core module: only the host and the CLI carry the core", () => {
    const modulesOf = (entry: string): Set<string> => {
      const seen = new Set<string>();
      const visit = (file: string) => {
        if (seen.has(file)) return;
        seen.add(file);
        const code = readFileSync(join(build, 'main', file), 'utf8');
        for (const m of code.matchAll(/(?:from|import)\s*\(?\s*"\.\/([^"]+\.js)"/g)) visit(m[1]!);
      };
      visit(entry);
      const modules = new Set<string>();
      for (const file of seen) for (const m of readFileSync(join(build, 'main', file), 'utf8').matchAll(/^\/\/ (\S+\.ts)$/gm)) modules.add(m[1]!);
      return modules;
    };
    const main = [...modulesOf('index.js')];
    expect(main.some((m) => m.startsWith('electron/main/'))).toBe(true);
    expect(main.filter((m) => m.startsWith('core/'))).toEqual([]);
    expect([...modulesOf('coreHost.js')].some((m) => m === 'core/core.ts')).toBe(true);
  });

  it('packs the built output only: no test bridge, no TypeScript, no dev loader', () => {
    const files = packagedFiles(build);
    for (const file of ['package.json', 'out/main/index.js', 'out/main/coreHost.js', 'out/main/cli.js', 'out/preload/index.cjs', 'out/renderer/index.html']) {
      expect(files).toContain(file);
    }
    expect(files.filter((f) => f.startsWith('out/main/') && f.includes('.worker-')).length).toBeGreaterThanOrEqual(2);
    expect(files.filter((f) => !f.startsWith('out/') && f !== 'package.json')).toEqual([]);
    expect(files.filter((f) => /^tests\/|\/e2e\/|bridge/i.test(f))).toEqual([]);
    expect(files.filter((f) => /\.(ts|mts|cts|vue|map)$/.test(f))).toEqual([]);
    expect(files.filter((f) => /run-ts|dev-hooks|sourceWorkerBoot/.test(f))).toEqual([]);
  });

  it('ships no dev loader or bundler among the production dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
    expect(pkg.devDependencies.tsx).toBeDefined();
    // electron-builder copies the production dependency tree: the one `npm ls --omit=dev` prints.
    const tree = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes('node_modules'))
      .map((line) => line.slice(line.lastIndexOf('node_modules') + 'node_modules/'.length));
    expect(tree).toContain('better-sqlite3');
    expect(tree.filter((name) => ['tsx', 'esbuild', 'vite', 'electron', 'typescript', 'vitest'].includes(name))).toEqual([]);
  });

  it('flips the Electron fuses: no RunAsNode, no NODE_OPTIONS or --inspect, cookies encrypted, app only from an integrity-checked asar', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
    });
  });

  it('ships a command-line launcher that runs the installed program with --cli', () => {
    const launchers = config.extraResources.map((r) => r.from);
    expect(launchers).toEqual(expect.arrayContaining(['resources/cli/autocall', 'resources/cli/autocall.cmd']));
    expect(readFileSync(join(ROOT, 'resources/cli/autocall.cmd'), 'utf8')).toContain('"%~dp0..\\AutoCall Scheduler.exe" --cli %*');
    // Linux: the app folder as electron-builder lays it out, with a program that prints its arguments.
    const app = join(tmp.dir, 'installed');
    mkdirSync(join(app, 'resources'), { recursive: true });
    copyFileSync(join(ROOT, 'resources/cli/autocall'), join(app, 'resources/autocall'));
    chmodSync(join(app, 'resources/autocall'), 0o755);
    const program = join(app, config.linux.executableName);
    writeFileSync(program, '#!/bin/sh\nprintf "%s|" "$@"\n');
    chmodSync(program, 0o755);
    const printed = execFileSync(join(app, 'resources/autocall'), ['task', 'list', '--json'], { encoding: 'utf8' });
    expect(printed).toBe('--cli|task|list|--json|');
  });
});
