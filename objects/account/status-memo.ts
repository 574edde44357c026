import type { StatusRecord } from "../../schemas/records";

/**
 * Parsed status snapshots by their JSON text, shared by every account object of the isolate:
 * a status fanned out to many homes is stored as the same text in each, and pages are read
 * again and again (refresh, scrolling back). A hit skips JSON.parse, and the rendered JSON kept
 * per record (core/serializers/rendered.ts) skips serialization. Records are frozen because
 * they are shared. Oldest entries go first once MAX_ENTRIES is reached.
 */
const MAX_ENTRIES = 1000;
const parsed = new Map<string, StatusRecord>();

export function parseStatusSnapshot(json: string): StatusRecord {
  const known = parsed.get(json);
  if (known) return known;
  const record = deepFreeze(JSON.parse(json) as StatusRecord);
  if (parsed.size >= MAX_ENTRIES) parsed.delete(parsed.keys().next().value!);
  parsed.set(json, record);
  return record;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
