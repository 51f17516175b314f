/**
 * The reactive guard's defaults, one set for the controller's config (src/config/schema.ts), the
 * guard itself (src/controller/reactive-guard.ts) and the simulator's chuanliu strategy: what
 * BENCHMARKS.md's chuanliu and frontier sections measure is what a controller runs with.
 */
export const GUARD_DEFAULTS = {
  /** A sample breaches above band × (1 + this); calm is at or below the band (the hysteresis). */
  toleranceFraction: 0.1,
  /** Breaching samples in a row that engage (5 s apart by default). */
  consecutiveSamples: 3,
  /** Least time an emergency floor is held. */
  coolDownMs: 300_000,
  /** Demand inside the band this long before the floor is released. */
  stabilizationMs: 300_000,
  /** The floor is sized on the rate this far ahead along its trend over the breaching samples; 0 = level only. */
  trendHorizonMs: 0,
} as const;
