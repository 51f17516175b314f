/**
 * A capacity strategy, as the simulator runs it: one small interface, one registry (KEDA-style
 * plug-ins). A strategy sees only what it could see in reality — the cluster's state, the peak
 * calendar, and demand metrics that arrive with the metrics pipeline's lag — unless its factory
 * declares foresight (the oracle and the static peak baseline, which are yardsticks, not products).
 *
 * Strategies act at their own cadence; the emulated HPA controller runs inside the cluster. An
 * `act` may return a promise (a strategy that drives the real controller through the async
 * `Cluster` port); the engine awaits only when it does, so synchronous strategies stay fast.
 */
import type { z } from 'zod';
import type { EventOccurrence, PeakCalendar } from '../domain/calendar.ts';
import { InputError } from '../domain/errors.ts';
import type { NodePool, OfflineWorkload, OnlineWorkload, Workload } from '../domain/workload.ts';
import type { Clock } from '../ports/clock.ts';
import type { Cluster } from '../ports/cluster.ts';
import type { SimulatedHpaSpec } from '../adapters/memory/cluster-spec.ts';
import type { SimulatedCluster } from '../adapters/memory/simulated-cluster.ts';
import type { HistoryRequest, HistoryWindow } from './demand-history.ts';
import type { AnnouncedPeakEvent } from './announced-events.ts';

/** What every strategy may know about the scenario before it starts. */
export interface ScenarioView {
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly tickMs: number;
  readonly seed: number;
  readonly nodePools: readonly NodePool[];
  /** Online first, then offline; a workload's position is its index everywhere in the engine. */
  readonly workloads: readonly Workload[];
  readonly online: readonly OnlineWorkload[];
  readonly offline: readonly OfflineWorkload[];
  /**
   * Every event occurrence in the run, scored at its start: the calendar's, known in advance, and
   * the short-notice ones of `announcedEvents`, which a strategy may use only once announced.
   */
  readonly events: readonly EventOccurrence[];
  /** The peak calendar itself, when the scenario has one (to expand occurrences over a history); without short-notice events. */
  readonly calendar?: PeakCalendar;
  /** Short-notice PeakEvents and when each was announced (announced-events.ts). */
  readonly announcedEvents: readonly AnnouncedPeakEvent[];
  workloadIndex(name: string): number | undefined;
}

/** Demand as a monitoring system reports it: only the past, and only after the pipeline's lag. */
export interface ObservedMetrics {
  /** Delay from a request to it showing in the rate (scrape interval + rate window alignment). */
  readonly lagMs: number;
  /** Mean offered requests/s of workload `index` over the `windowMs` ending `lagMs` before now. */
  rateRps(index: number, windowMs: number): number;
}

/** Perfect knowledge of demand, past and future. Only for factories with `usesForesight`. */
export interface DemandForesight {
  /** Offered requests/s of workload `index` during tick `tick` (ticks count from the start). */
  demandRps(index: number, tick: number): number;
  /** Highest per-tick demand of workload `index` over the whole run. */
  peakRps(index: number): number;
  /** Mean demand of workload `index` over [fromMs, toMs). */
  meanRps(index: number, fromMs: number, toMs: number): number;
}

/** What a strategy gets once, before the run. */
export interface StrategySetup {
  readonly scenario: ScenarioView;
  /** Present only when the factory declared `usesForesight`. */
  readonly foresight: DemandForesight | undefined;
  /** Worst-case startup of a replica of each workload (the simulated world's truncation). */
  maxStartupMs(index: number): number;
  /** How long a removed replica of workload `index` keeps its resources (termination grace or drain). */
  terminationGraceMs(index: number): number;
  /**
   * Longest time capacity taken from lower-priority pods by preemption stays blocked (their drain
   * or termination grace), for pods of workload `index`; 0 when nothing can be preempted for it.
   */
  preemptionDelayMs(index: number): number;
  /** Slowest node provisioning of any elastic pool (0 without elastic pools). */
  readonly longestProvisioningMs: number;
  /**
   * Mean demand of workload `index` over the first minutes of the run. The cluster was running
   * before the start, so a reactive strategy begins where it would have converged; this is the one
   * look at the run's demand every strategy gets (and only for its starting state).
   */
  warmStartDemandRps(index: number): number;
  /**
   * Demand of workload `index` before the run, for strategies that forecast: the trace's rows before
   * the start, or earlier days of synthetic traffic (labelled synthetic). `beforeMs` is clamped to
   * the run's start — the run itself is seen only through `observed`. Undefined when the scenario
   * has no history for the workload (e.g. a trace that starts with the run).
   */
  historyBefore(index: number, request: HistoryRequest): HistoryWindow | undefined;
}

/** How the cluster looks at the start for this strategy. */
export interface StrategyStart {
  /** spec.replicas per workload index at the start, all Ready (a warm cluster). */
  readonly initialReplicas: readonly number[];
  /** HPA objects to create; the emulated HPA controller runs them inside the cluster. */
  readonly hpas: readonly SimulatedHpaSpec[];
}

/** What a strategy sees each time it acts. */
export interface StrategyContext {
  readonly nowMs: number;
  /** Index of the tick about to be simulated. */
  readonly tick: number;
  readonly scenario: ScenarioView;
  /** The cluster's current state (as `kubectl get` would show) and its write methods. */
  readonly cluster: SimulatedCluster;
  /** The same cluster through the async `Cluster` port, for strategies that drive the controller. */
  readonly port: Cluster;
  /** The simulation's clock (at `nowMs`). */
  readonly clock: Clock;
  readonly observed: ObservedMetrics;
  readonly foresight: DemandForesight | undefined;
}

export interface Strategy {
  /** Called once before the first tick. */
  start(setup: StrategySetup): StrategyStart;
  /** How often `act` runs; undefined = never (static or HPA-only strategies). */
  readonly actIntervalMs?: number;
  act?(context: StrategyContext): void | Promise<void>;
}

export interface StrategyFactory<Settings = unknown> {
  readonly name: string;
  readonly description: string;
  /** True for yardsticks that read the future (oracle, static peak). */
  readonly usesForesight: boolean;
  /** Validates `strategies.<name>` of a scenario (absent = `{}`); errors are located by the scenario loader. */
  readonly settingsSchema: z.ZodType<Settings, unknown>;
  /** Checks settings against the scenario (e.g. workloads they name); paths are inside `strategies.<name>`. */
  check?(settings: Settings, scenario: ScenarioView): readonly SettingsProblem[];
  create(settings: Settings): Strategy;
}

export interface SettingsProblem {
  readonly path: readonly PropertyKey[];
  /** Phrased `expected …, got …`. */
  readonly message: string;
}

/** The one list of strategies the simulator knows. */
export class StrategyRegistry {
  private readonly factories = new Map<string, StrategyFactory<unknown>>();

  register<Settings>(factory: StrategyFactory<Settings>): this {
    if (this.factories.has(factory.name)) throw new RangeError(`strategy ${factory.name} is registered twice`);
    this.factories.set(factory.name, factory as StrategyFactory<unknown>);
    return this;
  }

  names(): string[] {
    return [...this.factories.keys()];
  }

  has(name: string): boolean {
    return this.factories.has(name);
  }

  /** The factory of `name`; an unknown name is bad input located at `location`. */
  get(name: string, location: { source?: string; line?: number; field?: string } = {}): StrategyFactory<unknown> {
    const factory = this.factories.get(name);
    if (factory === undefined) {
      throw new InputError(`unknown strategy "${name}"; known strategies: ${this.names().join(', ')}`, location);
    }
    return factory;
  }
}
