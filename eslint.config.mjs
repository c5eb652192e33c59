// @ts-check
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

/** Layers outside the engine: the engine imports none of them (imports run rig → cli → adapters → engine). */
const outsideEngine = ['**/adapters/**', '**/cli/**', '**/client', '**/client/**', '**/config', '**/logger', '**/worker', '**/rig/**', '**/bench/**', '**/test/**'];

/** Tracing is wired outside the engine: the worker adds the SDK's workflow interceptors module to its bundle. */
const noTracingInEngine = {
  group: ['@opentelemetry/*', '@temporalio/interceptors-opentelemetry', '@temporalio/interceptors-opentelemetry/*'],
  message: 'The engine knows nothing of tracing: it is wired in src/adapters/tracing, src/client.ts and src/worker.ts.',
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'demo-output/**', 'bench/results/**', 'bin/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver': { typescript: true, node: true } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'import-x/no-cycle': 'error',
    },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: outsideEngine, message: 'The engine imports nothing outside src/engine: put the type in src/engine/model or a port in src/engine/ports.' }, noTracingInEngine] }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox, and the model is imported by it.
    files: ['src/engine/workflows/**/*.ts', 'src/engine/model/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code is replay-safe: no Node built-ins (do I/O in an activity).' })),
          patterns: [
            { group: outsideEngine, message: 'The engine imports nothing outside src/engine.' },
            noTracingInEngine,
            { group: ['pino', 'pino-*', '@temporalio/activity', '@temporalio/worker', '@temporalio/client'], message: 'Not in workflow code: log with `log` from @temporalio/workflow; call activities through proxyActivities.' },
            { group: ['**/activities', '**/activities/*'], allowTypeImports: true, message: 'Workflows import activities as types only, through proxyActivities.' },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Read time with nowMs() from workflowTime.ts (workflows) or take it as a parameter (model).' },
        { object: 'Math', property: 'random', message: 'Use a seeded stream or the sandbox’s deterministic random; never Math.random in the engine.' },
      ],
    },
  },
);
