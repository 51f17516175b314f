import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

// The dependency rule is only worth something if the lint really refuses violations.
describe('lint: forecaster/ and planner/ stay pure', () => {
  const eslint = new ESLint();

  it.each([
    { name: 'node:fs import', code: "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", rule: 'no-restricted-imports' },
    { name: 'pino import', code: "import pino from 'pino';\nexport const x = pino;\n", rule: 'no-restricted-imports' },
    { name: 'adapter import', code: "import { createLogger } from '../adapters/logger.ts';\nexport const x = createLogger;\n", rule: 'no-restricted-imports' },
    { name: 'Date.now()', code: 'export const nowMs = Date.now();\n', rule: 'no-restricted-properties' },
    { name: 'new Date()', code: 'export const now = new Date();\n', rule: 'no-restricted-syntax' },
    { name: 'process.env', code: 'export const level = process.env.LEVEL;\n', rule: 'no-restricted-globals' },
    { name: 'Math.random()', code: 'export const r = Math.random();\n', rule: 'no-restricted-properties' },
  ])('refuses $name in src/planner', async ({ code, rule }) => {
    const [result] = await eslint.lintText(code, { filePath: 'src/planner/probe.ts' });
    expect(result?.messages.map((message) => message.ruleId)).toContain(rule);
  });

  it('allows the same clock read in an adapter', async () => {
    const [result] = await eslint.lintText('export const nowMs = Date.now();\n', { filePath: 'src/adapters/probe.ts' });
    expect(result?.messages).toEqual([]);
  });

  it('allows a pure computation in src/forecaster', async () => {
    const [result] = await eslint.lintText('export const startMs = new Date(0).getTime();\n', { filePath: 'src/forecaster/probe.ts' });
    expect(result?.messages).toEqual([]);
  });
});
