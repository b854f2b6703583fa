// The layering table of docs/ARCHITECTURE.md, enforced: which folder may import what.
// `npm run lint` runs it; CI runs it with the tests (issue 12).
import tseslint from 'typescript-eslint';
import vueParser from 'vue-eslint-parser';

/** An import of a folder of this repository, whatever the depth of the relative path. */
const folder = (name) => `^(\\.\\.?/)+(.*/)?${name}(/|$)`;

function forbid(files, rules) {
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: rules.map(([regex, message]) => ({ regex, message })),
        },
      ],
    },
  };
}

const ELECTRON = ['^electron($|/)', 'Only electron/ may use Electron: the core runs under plain Node.'];
const NODE = ['^(node:|fs$|path$|os$|child_process$|worker_threads$)', 'This layer runs in Chromium or on both sides: no Node modules.'];
const VUE = ['^(vue|vuetify|pinia|vue-i18n|vue-router)($|/)', 'Vue belongs to renderer/ only.'];
const CORE = [folder('core'), 'Only the core host entry, the CLI and tests may import core/ (the core runs in its own process).'];
const RENDERER = [folder('renderer'), 'The renderer reaches the core only through the contract in shared/contract.'];
const CLI = [folder('cli'), 'The command line is an entry point, not a library.'];
const ELECTRON_DIR = [folder('electron'), 'electron/ is the thin desktop layer: nothing imports it.'];
const TESTS = [folder('tests'), 'Test support is never part of what ships.'];

export default [
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'native/**', 'test-results/**', 'playwright-report/**'] },
  {
    files: ['**/*.ts', '**/*.mts'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 'latest', sourceType: 'module' },
  },
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, ecmaVersion: 'latest', sourceType: 'module' } },
  },
  forbid(['shared/**/*.ts'], [ELECTRON, NODE, VUE, CORE, RENDERER, CLI, ELECTRON_DIR, TESTS]),
  // Tests of shared/ run under vitest (Node) and may read fixtures.
  forbid(['shared/**/*.test.ts'], [ELECTRON, VUE, CORE, RENDERER, CLI, ELECTRON_DIR]),
  forbid(['core/**/*.ts'], [ELECTRON, VUE, RENDERER, CLI, ELECTRON_DIR]),
  forbid(['electron/main/**/*.ts'], [CORE, RENDERER, CLI, TESTS]),
  forbid(['electron/preload/**/*.ts'], [CORE, RENDERER, CLI, TESTS, NODE]),
  forbid(['renderer/**/*.ts', 'renderer/**/*.vue'], [ELECTRON, NODE, CORE, CLI, ELECTRON_DIR, TESTS]),
  forbid(['cli/**/*.ts'], [ELECTRON, VUE, RENDERER, ELECTRON_DIR]),
];
