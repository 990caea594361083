import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Dependencies point inwards (docs/architecture.md, "Folder map"). ESLint's own
 * `no-restricted-imports` matches the import's text, so each folder depth has its own pattern for
 * "leaves the folder". test/unit/lintRules.test.ts lints violating files to prove each rule fires.
 */
const leaves = (levels) => `^(\\.\\./){${levels}}`;
/** Packages core may use: pure computation (hashing, turf's geometry, GeoJSON types). */
const CORE_PACKAGES = ['node:crypto', '@turf/turf', 'geojson'];
const exactly = (names) => names.map((name) => name.replace(/[/.]/g, '\\$&')).join('|');

const coreRule = (levels) => [
  'error',
  {
    patterns: [
      {
        regex: `${leaves(levels)}`,
        message: 'core/ is pure: it imports nothing outside core/ (move the shared piece into core/).',
      },
      {
        regex: `^(?!\\.{1,2}/|(${exactly(CORE_PACKAGES)})$)`,
        message: `core/ is pure: of packages it uses only ${CORE_PACKAGES.join(', ')} (no I/O, no Temporal).`,
      },
    ],
  },
];

/** Workflows run in Temporal's deterministic sandbox: no I/O. Types from anywhere are erased, so allowed. */
const workflowRule = [
  'error',
  {
    patterns: [
      {
        regex: '^\\.\\./(?!core/)',
        allowTypeImports: true,
        message: 'workflows/ import values only from workflows/ and core/ (types from anywhere).',
      },
      {
        regex: '^(?!\\.{1,2}/|@temporalio/workflow$)',
        allowTypeImports: true,
        message: 'workflows/ use only @temporalio/workflow among packages: anything else may do I/O.',
      },
    ],
  },
];

const outerFolders = 'cli|client|worker';
const boundaries = [
  { files: ['core/*.ts'], rules: { 'no-restricted-imports': coreRule(1) } },
  { files: ['core/*/*.ts'], rules: { 'no-restricted-imports': coreRule(2) } },
  { files: ['workflows/**/*.ts'], rules: { 'no-restricted-imports': workflowRule } },
  {
    files: ['activities/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^\\.\\./(${outerFolders})(/|$)`,
              message: 'activities/ are called by the worker: they never import cli/, client/ or worker/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['adapters/*/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^\\.\\./\\.\\./(activities|workflows|${outerFolders})(/|$)`,
              message: 'adapters/ are the edges: they use core/, config/ and migrations/ only.',
            },
          ],
        },
      ],
    },
  },
];

export default tseslint.config(
  { ignores: ['node_modules', '.tools', '.data', 'coverage', 'bin', 'dist', 'jest.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // knex query results are untyped (any); the code states each row's shape with `as`, which
      // this rule would have written as knex's generic type arguments, which knex does not check either.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
  ...boundaries,
  { files: ['**/*.mjs', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
  // Plain Node scripts (scripts/, bench/, test/support/): Node's globals.
  {
    files: ['**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', performance: 'readonly', require: 'readonly' },
    },
  },
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
