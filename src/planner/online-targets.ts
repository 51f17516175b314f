/**
 * From an online workload's need per slot to the replicas it should hold per slot, before the
 * cluster has its say:
 *
 * 1. ready target r: scale in only after the stabilization window (max of the need over the
 *    trailing window, reaching into the previous plan before `now`), never inside an event window;
 * 2. lead: what must be *held* at slot t is the largest ready target of [t, t + lead], so an
 *    increase is written early enough to be Ready when its slot starts;
 * 3. coalescing: with a step interval above one slot, an increase jumps to the largest hold of the
 *    next interval and a decrease waits out the interval, so one write covers several slots.
 */
import { forwardExtreme, trailingExtreme, type WindowScratch } from './sliding-window.ts';

export interface OnlineTargetArrays {
  /** In: need per slot. */
  readonly need: Int32Array;
  /** Out: ready target per slot (need after stabilization and event holds). */
  readonly ready: Int32Array;
  /** Out: 1 where `ready` was raised by an event hold (0 otherwise). */
  readonly eventHeld: Uint8Array;
  /** Out: replicas to hold for the ready target (ready with lead). */
  readonly hold: Int32Array;
  /** Out: hold after coalescing (≥ hold). */
  readonly level: Int32Array;
}

export interface OnlineTargetOptions {
  readonly stabilizationSlots: number;
  readonly leadSlots: number;
  readonly stepIntervalSlots: number;
  /** Need before `now` from the previous plan, newest last (length = stabilizationSlots); undefined = unknown. */
  readonly needBeforeNow?: Int32Array;
  /** 1 where the slot lies inside a calendar event affecting the workload. */
  readonly eventMask: Uint8Array;
  /** spec.replicas now, if observed: inside an event the plan does not go below it. */
  readonly observedDesired?: number;
  readonly maxReplicas: number;
  readonly scratch: WindowScratch;
  /** Scratch buffer of at least stabilizationSlots + slots entries. */
  readonly extended: Int32Array;
  readonly extendedOut: Int32Array;
}

export function fillOnlineTargets(arrays: OnlineTargetArrays, options: OnlineTargetOptions): void {
  const { need, ready, eventHeld, hold, level } = arrays;
  const slots = need.length;
  const window = options.stabilizationSlots;

  // 1. Stabilization: the trailing max also sees the needs the previous plan had before now, so a
  //    re-plan every minute does not restart the window (and does not ratchet: those are needs, not
  //    the previous plan's held targets).
  if (window > 0) {
    const extended = options.extended.subarray(0, window + slots);
    const extendedOut = options.extendedOut.subarray(0, window + slots);
    if (options.needBeforeNow !== undefined) extended.set(options.needBeforeNow, 0);
    else extended.fill(0, 0, window);
    extended.set(need, window);
    trailingExtreme(extended, window, 'max', extendedOut, options.scratch);
    ready.set(extendedOut.subarray(window));
  } else {
    ready.set(need);
  }

  // Event hold: inside an event the ready target never goes down (brownout may still cut later).
  const mask = options.eventMask;
  eventHeld.fill(0);
  for (let s = 0; s < slots; s++) {
    if (mask[s] === 0) continue;
    const previous = s > 0 ? (ready[s - 1] as number) : options.observedDesired === undefined ? 0 : Math.min(options.observedDesired, options.maxReplicas);
    if ((ready[s] as number) < previous) {
      ready[s] = previous;
      eventHeld[s] = 1;
    } else if (s > 0 && eventHeld[s - 1] === 1 && ready[s] === previous) {
      eventHeld[s] = 1;
    }
  }

  // 2. Lead: hold at t the largest target of [t, t + lead].
  forwardExtreme(ready, options.leadSlots, 'max', hold, options.scratch);

  // 3. Coalescing.
  const interval = options.stepIntervalSlots;
  if (interval <= 1) {
    level.set(hold);
    return;
  }
  forwardExtreme(hold, interval - 1, 'max', level, options.scratch);
  // `level` now holds the look-ahead max; walk it into a step function in place.
  let current = options.observedDesired === undefined ? (hold[0] as number) : Math.min(options.observedDesired, options.maxReplicas);
  let lastChange = -interval;
  for (let t = 0; t < slots; t++) {
    const needed = hold[t] as number;
    const ahead = level[t] as number;
    if (needed > current) {
      current = ahead;
      lastChange = t;
    } else if (needed < current && mask[t] === 0 && t - lastChange >= interval && ahead < current) {
      current = ahead;
      lastChange = t;
    }
    level[t] = current;
  }
}
