/**
 * Urgent capacity never waits behind drains (issue 14 item 7), on the emulation: a guard floor that
 * needs the room of offline work the guard has just capped is written in the same tick as the
 * release, while the offline pods still terminate (their 20 s grace period), not after. The wall
 * times are measured and printed by the chuanliu bench (bench/urgent-acquire.ts); here only the
 * order of events is checked.
 */
import { describe, expect, it } from 'vitest';
import { measureUrgentAcquire, urgentAcquireFailure } from '../../bench/urgent-acquire.ts';

describe('urgent acquire with offline drains in flight (kube-api emulation)', () => {
  it('writes the guard floor with the release, while the released offline pods still terminate, and says it cut the drain short', async () => {
    const measurement = await measureUrgentAcquire({ drainMs: 20_000 });
    expect(measurement.engage).toMatchObject({ kind: 'engage', workload: 'pay-0000' });
    expect(measurement.releasedFirst).toBe(true);
    expect(measurement.terminatingAtOnlineWrite).toBeGreaterThan(0);
    expect(measurement.message).toMatch(/urgent, not waiting for drains: pay-0000 1→\d+ does not wait for etl-\d+.* to drain: guard emergency floor/);
    expect(urgentAcquireFailure(measurement)).toBeUndefined();
  }, 120_000);
});
