/**
 * The reactive guard's defaults, one set for the controller's config (src/config/schema.ts), the
 * guard itself (src/controller/reactive-guard.ts) and the simulator's chuanliu strategy: what
 * BENCHMARKS.md's chuanliu and frontier sections measure is what a controller runs with.
 */
export const GUARD_DEFAULTS = {
  /** A sample breaches above band × (1 + this); calm is at or below the band (the hysteresis). */
  toleranceFraction: 0.1,
  /**
   * Breaching samples in a row that engage (5 s apart by default): the floor is written 5 s after
   * the monitoring signal crossed band × (1 + tolerance). Measured with 3 (10 s): the same unserved
   * and core-hours on every shipped scenario, 22 % fewer requests unserved inside the emergencies.
   */
  consecutiveSamples: 2,
  /** Least time an emergency floor is held. */
  coolDownMs: 300_000,
  /**
   * Demand inside the band this long before the floor is released. Measured shorter: 2 min with a
   * 2 min cool-down gave more re-engagements and +6 % online core-hours on sim/twitter-aapl-spiky.yaml
   * (a pulse train); 2 min alone −2.6 % there but +2 % on sim/nasa-launch-day.yaml, the same
   * unserved (BENCHMARKS.md, chuanliu, "What was tried"). Not a clear gain, so it stays 5 min; the
   * hysteresis (breach above band × 1.1, calm at or below the band) keeps it from flapping either way.
   */
  stabilizationMs: 300_000,
  /**
   * The floor is sized on the rate this far ahead along its trend over the breaching samples; 0 = level only.
   * On (60 s) since the measured effect is neutral on every shipped scenario (±0.2 % core-hours, the
   * same unserved) and a climbing pulse is met where it will be when the capacity is Ready.
   */
  trendHorizonMs: 60_000,
  /**
   * The emergency floor serves the live rate × this. 1.5 is what every benchmark of the guard
   * measured (the simulator's chuanliu); the controller's config said 1.2 until both read it here.
   */
  headroomFactor: 1.5,
} as const;
