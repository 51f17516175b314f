import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/adapters/memory/manual-clock.ts';

describe('ManualClock', () => {
  it('moves only when advanced', async () => {
    const clock = new ManualClock(1_000);
    expect(clock.nowMs()).toBe(1_000);
    await clock.advance(500);
    expect(clock.nowMs()).toBe(1_500);
  });

  it('wakes sleepers in time order, each at its own time, including loops that sleep again', async () => {
    const clock = new ManualClock(0);
    const woke: string[] = [];
    void clock.sleep(300).then(() => woke.push(`b@${clock.nowMs()}`));
    void clock.sleep(100).then(() => woke.push(`a@${clock.nowMs()}`));
    const loop = (async () => {
      for (let round = 0; round < 3; round += 1) {
        await clock.sleep(150);
        woke.push(`loop@${clock.nowMs()}`);
      }
    })();
    await clock.advance(1_000);
    await loop;
    expect(woke).toEqual(['a@100', 'loop@150', 'b@300', 'loop@300', 'loop@450']);
    expect(clock.nowMs()).toBe(1_000);
  });

  it('does not wake a sleeper before its time', async () => {
    const clock = new ManualClock(0);
    let woke = false;
    void clock.sleep(1_000).then(() => { woke = true; });
    await clock.advance(999);
    expect(woke).toBe(false);
    expect(clock.pendingSleeps()).toBe(1);
  });

  it('refuses to go back in time', async () => {
    const clock = new ManualClock(10);
    await expect(clock.advanceTo(5)).rejects.toThrow(RangeError);
  });

  it('tells listeners about every move', async () => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    const remove = clock.onAdvance((nowMs) => seen.push(nowMs));
    await clock.advance(10);
    remove();
    await clock.advance(10);
    expect(seen).toEqual([10]);
  });
});
