// Lint rules that encode the architecture (see ../shared/design.md, "Dependency rule"):
// the forecaster and the planner are pure. They import no node:* module, no I/O library and no
// adapter, and they read neither the clock nor the environment: time is an input.
import tseslint from 'typescript-eslint';

const impureModules = [
  'node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'http', 'https', 'net', 'process',
  'pino', 'bullmq', 'ioredis', '@kubernetes/client-node', 'prom-client', 'cli-progress',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', 'bench/out/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/forecaster/**/*.ts', 'src/planner/**/*.ts', 'src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: impureModules, message: 'forecaster/, planner/ and domain/ are pure: no I/O, clock or environment.' },
          { group: ['**/adapters/**', '**/controller/**', '**/cli/**', '**/simulator/**', '**/kube-api/**', '**/report/**'], message: 'Dependency rule: pure core may import only domain/ (and forecaster/ from planner/).' },
        ],
      }],
      'no-restricted-globals': ['error',
        { name: 'process', message: 'Pure core reads no environment.' },
        { name: 'setTimeout', message: 'Pure core has no timers.' },
        { name: 'setInterval', message: 'Pure core has no timers.' },
        { name: 'fetch', message: 'Pure core does no I/O.' },
      ],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'Pure core reads no clock: take `nowMs` as an input.' },
        { object: 'Math', property: 'random', message: 'Pure core is deterministic: take a seeded random source as an input.' },
        { object: 'performance', property: 'now', message: 'Pure core reads no clock.' },
      ],
      'no-restricted-syntax': ['error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Pure core reads no clock: `new Date()` without an argument is the wall clock.' },
      ],
    },
  },
);
