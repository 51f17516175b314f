/**
 * Numeric codes of `SlotCause` for the typed per-slot arrays (`causes[slot]` indexes SLOT_CAUSES).
 */
import { SLOT_CAUSES, type SlotCause } from '../domain/plan.ts';

function code(cause: SlotCause): number {
  return SLOT_CAUSES.indexOf(cause);
}

export const CAUSE = {
  forecast: code('forecast'),
  observed: code('observed'),
  noForecast: code('no-forecast'),
  min: code('min'),
  max: code('max'),
  lead: code('lead'),
  stabilization: code('stabilization'),
  eventHold: code('event-hold'),
  coalesced: code('coalesced'),
  brownout: code('brownout'),
  leftover: code('leftover'),
  noRoom: code('no-room'),
  workDone: code('work-done'),
  deadline: code('deadline'),
  drain: code('drain'),
} as const;

export function causeName(codeValue: number): SlotCause {
  const cause = SLOT_CAUSES[codeValue];
  if (cause === undefined) throw new RangeError(`unknown slot cause code ${codeValue}`);
  return cause;
}
