/**
 * Sliding-window extrema over slot arrays in O(n) with a monotonic deque (no per-slot allocation).
 * The planner uses them for lead time (max over the next slots), scale-in stabilization (max over
 * the trailing slots), drain (min over the next slots) and served capacity (min over a lead window).
 */

type SlotArray = Int32Array | Float64Array;

/** Reusable index queue so that thousands of workloads do not each allocate one. */
export class WindowScratch {
  private indices = new Int32Array(0);

  queue(length: number): Int32Array {
    if (this.indices.length < length) this.indices = new Int32Array(Math.max(length, this.indices.length * 2));
    return this.indices;
  }
}

const sharedScratch = new WindowScratch();

/**
 * out[i] = extreme of source[i .. i + windowSlots] (inclusive, clamped at the end).
 * `kind` 'max' gives the largest value, 'min' the smallest.
 */
export function forwardExtreme<T extends SlotArray>(source: T, windowSlots: number, kind: 'max' | 'min', out: T, scratch: WindowScratch = sharedScratch): T {
  const n = source.length;
  const window = Math.max(0, Math.floor(windowSlots));
  if (window === 0) {
    out.set(source);
    return out;
  }
  const queue = scratch.queue(n);
  let head = 0;
  let tail = 0;
  const wantMax = kind === 'max';
  for (let i = n - 1; i >= 0; i--) {
    const value = source[i] as number;
    // Keep the deque's values monotone: a new value dominates the later ones it beats.
    while (tail > head) {
      const last = source[queue[tail - 1] as number] as number;
      if (wantMax ? last <= value : last >= value) tail--;
      else break;
    }
    queue[tail++] = i;
    while ((queue[head] as number) > i + window) head++;
    out[i] = source[queue[head] as number] as number;
  }
  return out;
}

/**
 * out[i] = extreme of source[i - windowSlots .. i] (inclusive, clamped at the start).
 */
export function trailingExtreme<T extends SlotArray>(source: T, windowSlots: number, kind: 'max' | 'min', out: T, scratch: WindowScratch = sharedScratch): T {
  const n = source.length;
  const window = Math.max(0, Math.floor(windowSlots));
  if (window === 0) {
    out.set(source);
    return out;
  }
  const queue = scratch.queue(n);
  let head = 0;
  let tail = 0;
  const wantMax = kind === 'max';
  for (let i = 0; i < n; i++) {
    const value = source[i] as number;
    while (tail > head) {
      const last = source[queue[tail - 1] as number] as number;
      if (wantMax ? last <= value : last >= value) tail--;
      else break;
    }
    queue[tail++] = i;
    while ((queue[head] as number) < i - window) head++;
    out[i] = source[queue[head] as number] as number;
  }
  return out;
}
