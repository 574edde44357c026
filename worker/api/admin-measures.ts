import type { Router } from "../router";
import type { Ctx } from "../context";
import type { Params } from "../http/body";
import { badRequest } from "../../lib/result";
import { json } from "../http/respond";
import { requirePermission } from "../http/staff";
import { directoryStub } from "../../core/stubs";
import { MASTODON_COMPAT_VERSION, PRONGHORN_VERSION } from "../../core/instance-settings";
import { MEASURED_KEYS, dayStarts, type MeasuredKey } from "../../objects/directory/measures";
import {
  DIMENSION_KEYS,
  MEASURE_KEYS,
  serializeCohort,
  serializeDimension,
  serializeMeasure,
  type DimensionItem,
  type DimensionKey,
  type MeasureKey,
} from "../../core/serializers/admin-measures";

/**
 * The admin dashboard: measures, dimensions and retention (Mastodon's `admin:read` calls, for
 * roles that may view the dashboard: moderators, admins, owners). Every key Mastodon knows is
 * answered; what the instance records is measured (new users, opened and resolved reports,
 * active users by week), the rest answers zeros or empty data. Unknown keys are left out, as
 * Mastodon does.
 */
export function registerAdminMeasures(router: Router): void {
  router.post("/api/v1/admin/measures", measures);
  router.post("/api/v1/admin/dimensions", dimensions);
  router.post("/api/v1/admin/retention", retention);
}

const guard = (c: Ctx) => requirePermission(c, "admin:read", "view_dashboard");

/** `start_at` and `end_at` are required dates (400 when missing or unreadable, as Rails' `require`). */
function range(p: Params): { startAt: string; endAt: string } {
  const read = (key: string) => {
    const v = p[key];
    if (typeof v !== "string" || v.trim() === "") throw badRequest(`param is missing or the value is empty: ${key}`);
    const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v.trim()) ? `${v.trim()}T00:00:00Z` : v.trim());
    if (Number.isNaN(t)) throw badRequest(`Invalid date: ${key}`);
    return new Date(t).toISOString();
  };
  const startAt = read("start_at");
  const endAt = read("end_at");
  if (Date.parse(endAt) < Date.parse(startAt)) throw badRequest("end_at is before start_at");
  return { startAt, endAt };
}

function keysOf<K extends string>(p: Params, known: readonly K[]): K[] {
  const raw = p.keys;
  const list = Array.isArray(raw) ? raw : typeof raw === "string" ? [raw] : raw && typeof raw === "object" ? Object.values(raw) : [];
  if (list.length === 0) throw badRequest("param is missing or the value is empty: keys");
  return [...new Set(list.filter((k): k is K => typeof k === "string" && known.includes(k as K)))];
}

async function measures(c: Ctx): Promise<Response> {
  await guard(c);
  const p = await c.params();
  const { startAt, endAt } = range(p);
  const keys = keysOf<MeasureKey>(p, MEASURE_KEYS);
  const directory = directoryStub(c.env);
  const body = await Promise.all(
    keys.map(async (key) => {
      if (MEASURED_KEYS.includes(key as MeasuredKey)) return serializeMeasure(key, await directory.measure(key as MeasuredKey, startAt, endAt));
      // Not recorded here (interactions, tags, other servers, media): zeros for each day.
      return serializeMeasure(key, { total: 0, previousTotal: 0, data: dayStarts(startAt, endAt).map((date) => ({ date, value: 0 })) });
    }),
  );
  return json(body);
}

function dimension(key: DimensionKey): DimensionItem[] {
  if (key === "software_versions") {
    return [
      { key: "pronghorn", humanKey: "Pronghorn", value: PRONGHORN_VERSION },
      { key: "mastodon", humanKey: "Mastodon API", value: MASTODON_COMPAT_VERSION },
    ];
  }
  // Sign-up languages and sources, servers, space usage and per-tag or per-server figures are
  // not recorded here.
  return [];
}

async function dimensions(c: Ctx): Promise<Response> {
  await guard(c);
  const p = await c.params();
  range(p);
  return json(keysOf<DimensionKey>(p, DIMENSION_KEYS).map((key) => serializeDimension(key, dimension(key))));
}

async function retention(c: Ctx): Promise<Response> {
  await guard(c);
  const p = await c.params();
  const { startAt, endAt } = range(p);
  const frequency = p.frequency;
  if (frequency !== "day" && frequency !== "month") throw badRequest("frequency must be day or month");
  const cohorts = await directoryStub(c.env).retention(startAt, endAt, frequency);
  return json(cohorts.map(serializeCohort));
}
