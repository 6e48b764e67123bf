// Typed lint rules stay on (no-floating-promises matters in a proxy); boundaries keep the
// dependency direction of STYLE.md: core imports nothing of ours, policies/providers import core only.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const boundary = (files, patterns, message) => ({
  files,
  // Tests may drive the code through real servers and clients.
  ignores: ['**/*.test.ts'],
  rules: {
    'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'console/**', 'bench/out/**', 'bench/**/*.mjs', 'coverage/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/no-invalid-void-type': 'off',
      // Stylistic; arrow shorthands returning void calls are idiomatic in event handlers.
      '@typescript-eslint/no-confusing-void-expression': 'off',
      // Fastify plugins and interface implementations are async without awaiting.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts', 'src/test-support/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unnecessary-type-parameters': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  boundary(['src/core/**'], ['../gateway/*', '../policies/*', '../ai/*', '../store/*', '../admin/*', '../cli/*', '../cluster/*', '../telemetry/*', '**/gateway/**', '**/policies/**', '**/store/**', '**/admin/**', '**/cli/**', 'undici', 'node:http', 'fastify'], 'core/ imports nothing of ours and no runtime (STYLE.md).'),
  boundary(['src/policies/**'], ['**/gateway/**', '**/admin/**', '**/cli/**', '**/store/**', 'undici', 'node:http', 'fastify'], 'policies import core only (STYLE.md).'),
  boundary(['src/ai/providers/**'], ['**/gateway/**', '**/policies/**', '**/admin/**', '**/cli/**', '**/store/**', 'node:http', 'fastify'], 'providers import core only (STYLE.md).'),
);
