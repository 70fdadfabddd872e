// ESLint 9 flat config: Microsoft's office-addins rules, typescript-eslint (syntax only, no type
// information, to stay fast), React rules for .tsx, and eslint-config-prettier so formatting is left
// to Prettier (`npm run lint` runs `prettier --check` separately).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import react from 'eslint-plugin-react';
import officeAddins from 'eslint-plugin-office-addins';
import prettierConfig from 'eslint-config-prettier';
import globals from 'globals';

// The plugin's own `configs.recommended` bundles older copies of typescript-eslint and eslint-plugin-prettier,
// which clash with ours in flat config, so its rules are enabled here with the same severities.
const officeAddinsRules = {
  'office-addins/call-sync-after-load': 'error',
  'office-addins/call-sync-before-read': 'error',
  'office-addins/load-object-before-read': 'error',
  'office-addins/no-context-sync-in-loop': 'warn',
  'office-addins/no-empty-load': 'warn',
  'office-addins/no-navigational-load': 'warn',
  'office-addins/no-office-initialize': 'warn',
  'office-addins/test-for-null-using-isNullObject': 'error',
};

export default tseslint.config(
  { ignores: ['dist/', '**/.dist/', 'coverage/', 'node_modules/', 'test/e2e/screenshots/', '.data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-eval': 'error',
    },
  },
  {
    files: ['**/*.{ts,tsx,mts,cts}'],
    plugins: { 'office-addins': officeAddins },
    rules: {
      ...officeAddinsRules,
      'no-undef': 'off', // TypeScript reports undefined names itself, with the right globals for each file
    },
  },
  {
    files: ['src/taskpane/**/*.{ts,tsx}', 'src/commands/**/*.ts', 'src/outlook/**/*.ts', 'src/graph/**/*.ts', 'src/client/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser, Office: 'readonly', OfficeRuntime: 'readonly' } },
  },
  {
    files: ['**/*.tsx'],
    ...react.configs.flat.recommended,
    settings: { react: { version: 'detect' } },
  },
  {
    files: ['**/*.tsx'],
    ...react.configs.flat['jsx-runtime'],
  },
  {
    files: ['src/server/**/*.ts', 'scripts/**/*.{js,mjs,cjs}', 'test/**/*.{ts,tsx,js,mjs}', 'dev/**/*.ts', '*.{js,mjs,cjs}'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['test/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.jest } },
  },
  {
    // Plain .js and .cjs files are Node CommonJS (package.json has no "type": "module"), so require is by design.
    files: ['**/*.{js,cjs}'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Scripts that run in the browser as-is (e.g. the e2e host's office.js stand-in).
    files: ['dev/outlook-host/**/*.js', 'dev/sandbox/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser } },
  },
  {
    // Functions stay small enough to read in one screen; data (tables, schemas, JSX-free literals) is exempt
    // by being data, not functions. Layering: core does no I/O and imports no other layer; outlook/ (the
    // add-in runtime shared by the pane, the ribbon command and the sign-in dialog) never imports the pane.
    files: ['src/**/*.{ts,tsx}'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }] },
  },
  {
    files: ['src/outlook/**/*.ts', 'src/client/**/*.ts', 'src/graph/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/taskpane/**', '**/taskpane'], message: 'The add-in runtime must not depend on the task pane.' }] },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/server/**', '**/taskpane/**', '**/outlook/**', '**/graph/**', '**/client/**', 'node:*'],
              message: 'core does no I/O and depends on no other layer.',
            },
          ],
        },
      ],
    },
  },
  prettierConfig,
);
