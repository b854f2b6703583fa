#!/usr/bin/env node
/**
 * better-sqlite3 is a native module: the tests and the command line run it
 * under Node, the desktop app under Electron, and the two need different
 * builds. node_modules keeps the Node build (npm install compiles it); this
 * script builds the Electron one into native/electron-<version>/ from a
 * copy of the package, and the main process loads it via `nativeBinding`.
 *
 *   node scripts/native-binding.mjs node      check (and repair) the Node build
 *   node scripts/native-binding.mjs electron  make sure the Electron build exists
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const target = process.argv[2];

function run(cmd, args, options = {}) {
  execFileSync(cmd, args, { stdio: 'inherit', ...options });
}

function nodeBuildWorks() {
  try {
    const Database = require('better-sqlite3');
    new Database(':memory:').close();
    return true;
  } catch (err) {
    console.warn(`native-binding: better-sqlite3 does not load under Node ${process.version}: ${err.message}`);
    return false;
  }
}

if (target === 'node') {
  if (!nodeBuildWorks()) {
    console.log('native-binding: rebuilding better-sqlite3 for Node...');
    run('npm', ['rebuild', 'better-sqlite3'], { cwd: root });
    if (!nodeBuildWorks()) process.exit(1);
  }
  process.exit(0);
}

if (target !== 'electron') {
  console.error('usage: node scripts/native-binding.mjs node|electron');
  process.exit(2);
}

let electronVersion;
try {
  electronVersion = JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')).version;
} catch {
  console.error('native-binding: the electron package is not installed. Run `npm install` first.');
  process.exit(1);
}
const outDir = join(root, 'native', `electron-${electronVersion}`);
const outFile = join(outDir, 'better_sqlite3.node');
if (existsSync(outFile)) process.exit(0);

console.log(`native-binding: building better-sqlite3 for Electron ${electronVersion} (once)...`);
const work = join(root, 'native', '.build');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const pkgDir = join(work, 'better-sqlite3');
cpSync(join(root, 'node_modules/better-sqlite3'), pkgDir, {
  recursive: true,
  filter: (src) => !src.includes(`${'better-sqlite3'}/build`),
});
// A user-level nodedir (pointing at Node's headers) would build for Node again: drop it.
const env = { ...process.env };
for (const key of Object.keys(env)) if (key.toLowerCase() === 'npm_config_nodedir') delete env[key];

let built = false;
try {
  // Prebuilt binaries for Electron, where the machine can reach them.
  run(process.execPath, [require.resolve('prebuild-install/bin.js'), '--runtime', 'electron', '--target', electronVersion], { cwd: pkgDir, env });
  built = existsSync(join(pkgDir, 'build/Release/better_sqlite3.node'));
} catch {
  console.log('native-binding: no prebuilt binary; compiling from source against Electron headers.');
}
if (!built) {
  try {
    run(
      process.execPath,
      [require.resolve('node-gyp/bin/node-gyp.js'), 'rebuild', '--release', '--runtime=electron', `--target=${electronVersion}`, '--dist-url=https://electronjs.org/headers'],
      { cwd: pkgDir, env },
    );
  } catch {
    rmSync(work, { recursive: true, force: true });
    console.error(
      `native-binding: could not build better-sqlite3 for Electron ${electronVersion}. ` +
        'It needs either a prebuilt binary or the Electron headers from electronjs.org, so this machine must reach the internet once. ' +
        'The command line and the tests do not need this step.',
    );
    process.exit(1);
  }
}
mkdirSync(outDir, { recursive: true });
cpSync(join(pkgDir, 'build/Release/better_sqlite3.node'), outFile);
rmSync(work, { recursive: true, force: true });
console.log(`native-binding: wrote ${outFile}`);
