import { describe, expect, it } from 'vitest';
import { padStart, paint, shouldUseColor, stripAnsi, visibleWidth } from '../../../src/report/ansi.ts';

describe('shouldUseColor', () => {
  it.each([
    { name: 'TTY', isTTY: true, env: {}, color: true },
    { name: 'pipe', isTTY: false, env: {}, color: false },
    { name: 'NO_COLOR on a TTY', isTTY: true, env: { NO_COLOR: '1' }, color: false },
    { name: 'empty NO_COLOR is ignored', isTTY: true, env: { NO_COLOR: '' }, color: true },
    { name: 'NO_COLOR beats FORCE_COLOR', isTTY: true, env: { NO_COLOR: '1', FORCE_COLOR: '1' }, color: false },
    { name: 'FORCE_COLOR on a pipe', isTTY: false, env: { FORCE_COLOR: '1' }, color: true },
    { name: 'FORCE_COLOR=0 on a TTY', isTTY: true, env: { FORCE_COLOR: '0' }, color: false },
    { name: 'dumb terminal', isTTY: true, env: { TERM: 'dumb' }, color: false },
  ])('$name → $color', ({ isTTY, env, color }) => {
    expect(shouldUseColor({ isTTY }, env)).toBe(color);
  });
});

describe('paint', () => {
  it('leaves text alone when color is off', () => {
    expect(paint('best', ['bold', 'green'], false)).toBe('best');
  });

  it('wraps and closes styles, and the visible width ignores them', () => {
    const painted = paint('best', ['bold', 'green'], true);
    expect(painted).not.toBe('best');
    expect(stripAnsi(painted)).toBe('best');
    expect(visibleWidth(painted)).toBe(4);
    expect(visibleWidth(padStart(painted, 7))).toBe(7);
  });
});
