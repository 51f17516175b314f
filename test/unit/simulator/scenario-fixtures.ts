/** Small scenario files written to a temporary folder for loader and CLI tests (invented data). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A per-minute trace: a quiet hour with a surge to 6× in the middle (invented for tests). */
export function surgeTraceCsv(): string {
  const rows = ['timestamp,requests'];
  for (let minute = 0; minute < 120; minute += 1) {
    const at = new Date(Date.UTC(2024, 0, 1, 0, minute)).toISOString().slice(0, 19).replace('T', ' ');
    const requests = minute >= 50 && minute < 65 ? 36_000 : 6_000;
    rows.push(`${at},${requests}`);
  }
  return `${rows.join('\n')}\n`;
}

export const VALID_SCENARIO = `name: tiny
description: invented two-hour scenario for tests
seed: 5
start: 2024-01-01T00:05:00Z
end: 2024-01-01T01:35:00Z
nodePools:
  - name: general
    perNode: { cpu: "16", memory: 64Gi }
    baseNodes: 4
    costPerNodeHour: 1
online:
  - name: web
    ref: { namespace: test }
    rpsPerReplica: 50
    perReplica: { cpu: 500m, memory: 512Mi }
    startup: { p50: 15s, p95: 30s }
    minReplicas: 2
    maxReplicas: 100
offline:
  - name: batch
    ref: { kind: Job, namespace: test }
    maxReplicas: 10
    perReplica: { cpu: "2", memory: 2Gi }
    workCoreHours: 10
    deadline: 2024-01-01T01:30:00Z
traffic:
  - workload: web
    trace: { path: surge.csv, scale: 1 }
strategies:
  keda-cron:
    floors:
      - { workload: web, start: "2024-01-01T00:50:00Z", end: "2024-01-01T01:05:00Z", desiredReplicas: 20 }
`;

/** Writes the files into a new temporary folder; returns the folder. */
export function scenarioFolder(files: Record<string, string>): string {
  const folder = mkdtempSync(join(tmpdir(), 'chuanliu-scenario-'));
  for (const [name, text] of Object.entries({ 'surge.csv': surgeTraceCsv(), ...files })) writeFileSync(join(folder, name), text);
  return folder;
}
