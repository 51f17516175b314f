/**
 * JSON form of a SimulationResult: typed arrays become plain arrays, non-finite numbers null, so
 * `chuanliu simulate -o json` output can be read by any tool.
 */
import type { SimulationResult } from './result.ts';

export function simulationResultToJson(result: SimulationResult, space?: number): string {
  return JSON.stringify(result, (_key, value: unknown) => {
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      return Array.from(value as unknown as ArrayLike<number>, (entry) => (Number.isFinite(entry) ? entry : null));
    }
    if (typeof value === 'number' && !Number.isFinite(value)) return null;
    return value;
  }, space);
}
