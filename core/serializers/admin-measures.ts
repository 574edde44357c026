import type { Cohort, MeasureSeries } from "../../schemas/admin-blocks";

/**
 * Admin::Measure, Admin::Dimension and Admin::Cohort entities
 * (https://docs.joinmastodon.org/entities/Admin_Measure/ and siblings). Figures are strings, as
 * Mastodon sends them; dates are ISO instants of UTC midnights.
 */
export const MEASURE_KEYS = [
  "active_users",
  "new_users",
  "interactions",
  "opened_reports",
  "resolved_reports",
  "tag_accounts",
  "tag_uses",
  "tag_servers",
  "instance_accounts",
  "instance_media_attachments",
  "instance_reports",
  "instance_statuses",
  "instance_follows",
  "instance_followers",
] as const;
export type MeasureKey = (typeof MEASURE_KEYS)[number];

export const DIMENSION_KEYS = [
  "languages",
  "sources",
  "servers",
  "space_usage",
  "software_versions",
  "tag_servers",
  "tag_languages",
  "instance_accounts",
  "instance_languages",
] as const;
export type DimensionKey = (typeof DIMENSION_KEYS)[number];

/** Keys Mastodon reports with a previous period's total beside the current one. */
const WITH_PREVIOUS: ReadonlySet<MeasureKey> = new Set(["active_users", "new_users", "interactions", "opened_reports", "resolved_reports"]);

export function serializeMeasure(key: MeasureKey, series: MeasureSeries) {
  return {
    key,
    unit: key === "instance_media_attachments" ? "bytes" : null,
    total: String(series.total),
    ...(key === "instance_media_attachments" ? { human_value: `${series.total} B` } : {}),
    ...(WITH_PREVIOUS.has(key) ? { previous_total: String(series.previousTotal) } : {}),
    data: series.data.map((d) => ({ date: d.date, value: String(d.value) })),
  };
}

export interface DimensionItem {
  key: string;
  humanKey: string;
  value: number | string;
  unit?: string;
  humanValue?: string;
}

export function serializeDimension(key: DimensionKey, items: DimensionItem[]) {
  return {
    key,
    data: items.map((i) => ({
      key: i.key,
      human_key: i.humanKey,
      value: String(i.value),
      ...(i.unit ? { unit: i.unit } : {}),
      ...(i.humanValue ? { human_value: i.humanValue } : {}),
    })),
  };
}

export function serializeCohort(c: Cohort) {
  return { period: c.period, frequency: c.frequency, data: c.data.map((d) => ({ date: d.date, rate: d.rate, value: String(d.value) })) };
}
