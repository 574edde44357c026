import type { TrendKind, TrendReview } from "../../schemas/admin-blocks";

/**
 * Moderators' decisions on trends (approve or reject a tag, status or link). Trends themselves
 * are computed by the public timeline (objects/timeline/); a rejected item is left out of the
 * public trends, an approved or unreviewed one is shown.
 */
export function trendReviewsSchema(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE trend_reviews (
    kind TEXT NOT NULL, key TEXT NOT NULL, state TEXT NOT NULL, reviewed_at TEXT NOT NULL, PRIMARY KEY (kind, key))`);
}

export function reviewTrend(sql: SqlStorage, kind: TrendKind, key: string, state: TrendReview): void {
  sql.exec("REPLACE INTO trend_reviews (kind, key, state, reviewed_at) VALUES (?, ?, ?, ?)", kind, key, state, new Date().toISOString());
}

/** Every decision of a kind, by key. */
export function trendReviews(sql: SqlStorage, kind: TrendKind): Record<string, TrendReview> {
  const out: Record<string, TrendReview> = {};
  for (const r of sql.exec<{ key: string; state: string }>("SELECT key, state FROM trend_reviews WHERE kind = ?", kind)) {
    out[r.key] = r.state as TrendReview;
  }
  return out;
}
