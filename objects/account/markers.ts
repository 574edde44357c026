import type { MarkerRecord } from "../../schemas/records";

/**
 * Read positions (`home`, `notifications`) that apps sync between devices. `version` starts
 * at 0 and grows by one with each change, like Mastodon's lock_version.
 */
export type MarkerTimeline = "home" | "notifications";
export const MARKER_TIMELINES: readonly MarkerTimeline[] = ["home", "notifications"];

export function getMarkers(sql: SqlStorage, timelines: MarkerTimeline[]): Partial<Record<MarkerTimeline, MarkerRecord>> {
  const out: Partial<Record<MarkerTimeline, MarkerRecord>> = {};
  for (const row of sql.exec<{ timeline: string; last_read_id: string; version: number; updated_at: string }>("SELECT * FROM markers").toArray()) {
    const timeline = row.timeline as MarkerTimeline;
    if (timelines.includes(timeline)) out[timeline] = { last_read_id: row.last_read_id, version: row.version, updated_at: row.updated_at };
  }
  return out;
}

export function saveMarkers(sql: SqlStorage, changes: Partial<Record<MarkerTimeline, string>>): Partial<Record<MarkerTimeline, MarkerRecord>> {
  const now = new Date().toISOString();
  const timelines = MARKER_TIMELINES.filter((t) => changes[t] !== undefined);
  for (const timeline of timelines) {
    sql.exec(
      `INSERT INTO markers (timeline, last_read_id, version, updated_at) VALUES (?, ?, 0, ?)
       ON CONFLICT (timeline) DO UPDATE SET last_read_id = excluded.last_read_id, version = version + 1, updated_at = excluded.updated_at`,
      timeline,
      changes[timeline]!,
      now,
    );
  }
  return getMarkers(sql, timelines);
}
