/**
 * The operators' switch for everything chuanliu manages: `chuanliu pause` / `chuanliu resume`, or
 * kubectl on the object behind it (adapters/kubernetes/operator-controls.ts: the ConfigMap
 * `chuanliu-controls` in the controller's namespace). While paused, the controller still reads,
 * decides and reports every tick, and writes nothing.
 *
 * Contract: `read` is a fresh read (no cache past one tick); it throws `RuntimeFailure` when the
 * switch cannot be read, and the controller then holds (writes nothing): a pause it cannot see
 * may be in force.
 */
export interface PauseState {
  readonly paused: boolean;
  /** RFC 3339, when it was paused. */
  readonly since?: string;
  readonly by?: string;
  readonly reason?: string;
}

export interface OperatorControlsSource {
  read(): Promise<PauseState>;
  /** The object the switch lives on, for Events about it. */
  readonly object?: { readonly apiVersion: string; readonly kind: string; readonly namespace: string; readonly name: string };
}

export function describePause(state: PauseState): string {
  const parts = [`paused${state.by !== undefined ? ` by ${state.by}` : ''}${state.since !== undefined ? ` since ${state.since}` : ''}`];
  if (state.reason !== undefined && state.reason !== '') parts.push(`(${state.reason})`);
  return parts.join(' ');
}
