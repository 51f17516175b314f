/**
 * The applied-steps store in process memory (simulator, demo, tests). The Redis-backed store keeps
 * the same records so a restarted controller resumes; this one forgets them with the process.
 */
import type { AppliedStepRecord, AppliedStepStore } from '../../ports/applied-steps.ts';

export class MemoryAppliedStepStore implements AppliedStepStore {
  private readonly byPlan = new Map<string, Map<string, AppliedStepRecord>>();

  async markApplied(record: AppliedStepRecord): Promise<void> {
    const records = this.byPlan.get(record.planId) ?? new Map<string, AppliedStepRecord>();
    this.byPlan.set(record.planId, records);
    // First record wins: a replayed tick must not move the drain clock of a release.
    if (!records.has(record.stepId)) records.set(record.stepId, record);
  }

  async list(planId: string): Promise<readonly AppliedStepRecord[]> {
    return [...(this.byPlan.get(planId)?.values() ?? [])];
  }
}
