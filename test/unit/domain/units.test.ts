import { describe, expect, it } from 'vitest';
import { formatDurationMs, parseCpuMillicores, parseDurationMs, parseMemoryBytes } from '../../../src/domain/units.ts';
import { InputError } from '../../../src/domain/errors.ts';

describe('parseDurationMs', () => {
  it.each([
    { text: '45s', expectedMs: 45_000 },
    { text: '7m30s', expectedMs: 450_000 },
    { text: '1h', expectedMs: 3_600_000 },
    { text: '2d', expectedMs: 172_800_000 },
    { text: '250ms', expectedMs: 250 },
    { text: '1.5h', expectedMs: 5_400_000 },
  ])('$text → $expectedMs ms', ({ text, expectedMs }) => {
    expect(parseDurationMs(text)).toBe(expectedMs);
  });

  it.each(['', '60', '5 minutes', '1h-2m', 'm5'])('rejects %j with the location named', (text) => {
    expect(() => parseDurationMs(text, { source: '--horizon' })).toThrowError(InputError);
    expect(() => parseDurationMs(text, { source: '--horizon' })).toThrowError(/--horizon: .* is not a duration/);
  });
});

describe('formatDurationMs', () => {
  it.each([
    { durationMs: 450_000, text: '7m30s' },
    { durationMs: 3_600_000, text: '1h' },
    { durationMs: 450, text: '450ms' },
    { durationMs: 0, text: '0s' },
  ])('$durationMs → $text', ({ durationMs, text }) => {
    expect(formatDurationMs(durationMs)).toBe(text);
  });
});

describe('Kubernetes quantities', () => {
  it.each([
    { text: '500m', millicores: 500 },
    { text: '2', millicores: 2000 },
    { text: '1.5', millicores: 1500 },
  ])('cpu $text = $millicores m', ({ text, millicores }) => {
    expect(parseCpuMillicores(text)).toBe(millicores);
  });
  it.each([
    { text: '512Mi', bytes: 512 * 1024 ** 2 },
    { text: '2Gi', bytes: 2 * 1024 ** 3 },
    { text: '1G', bytes: 1e9 },
  ])('memory $text = $bytes bytes', ({ text, bytes }) => {
    expect(parseMemoryBytes(text)).toBe(bytes);
  });
  it('rejects a nonsense quantity', () => {
    expect(() => parseCpuMillicores('two cores', { field: 'workloads[0].cpu' })).toThrowError(/field workloads\[0\]\.cpu/);
  });
});
