/** The planner's public surface. */
export { planCapacity, compareSteps } from './plan-capacity.ts';
export { explain, type SlotExplanation } from './explain.ts';
export { summarizePlan, type PlanSummary } from './summarize-plan.ts';
export {
  emptyObservedState,
  type ObservedPoolState, type ObservedState, type ObservedWorkloadState, type PlanningInput, type PlanningSettings,
} from './planning-input.ts';
