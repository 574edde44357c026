import type { FilterKeywordRecord, FilterMatch, FilterRecord, FilterStatusRecord, StatusRecord, V1FilterRecord, ViewedStatuses } from "../../schemas/records";

import type { Origin } from "./account";
import { serializeStatus } from "./status";

/** Filter entity (https://docs.joinmastodon.org/entities/Filter/); `rules` adds keywords and statuses. */
export function serializeFilter(f: FilterRecord, rules = true) {
  return {
    id: f.id,
    title: f.title,
    context: f.context,
    expires_at: f.expires_at,
    filter_action: f.filter_action,
    ...(rules ? { keywords: f.keywords.map(serializeFilterKeyword), statuses: f.statuses.map(serializeFilterStatus) } : {}),
  };
}

export function serializeFilterKeyword(k: FilterKeywordRecord) {
  return { id: k.id, keyword: k.keyword, whole_word: k.whole_word };
}

export function serializeFilterStatus(s: FilterStatusRecord) {
  return { id: s.id, status_id: s.status_id };
}

/** FilterResult: the filter without its rules, and what matched. */
export function serializeFilterResult(m: FilterMatch) {
  return { filter: serializeFilter(m.filter, false), keyword_matches: m.keyword_matches, status_matches: m.status_matches };
}

/** V1Filter: one keyword of a v2 filter (its id is the keyword's id, as in Mastodon). */
export function serializeV1Filter({ keyword, filter }: V1FilterRecord) {
  return {
    id: keyword.id,
    phrase: keyword.keyword,
    context: filter.context,
    whole_word: keyword.whole_word,
    expires_at: filter.expires_at,
    irreversible: filter.filter_action === "hide",
  };
}

/**
 * A status for a signed-in viewer: flags, plus `filtered` (the filter results that matched,
 * empty when none). For a boost the results also go on the boosted status, which is what
 * most apps look at (`status.reblog ?? status`).
 */
export function serializeViewedStatus(s: StatusRecord, o: Origin, viewed: Pick<ViewedStatuses, "flags" | "filtered">) {
  const entity = serializeStatus(s, o, (id) => viewed.flags[id]);
  const filtered = (viewed.filtered[s.id] ?? []).map(serializeFilterResult);
  if (entity.reblog && typeof entity.reblog === "object") (entity.reblog as Record<string, unknown>).filtered = filtered;
  return { ...entity, filtered };
}

export function serializeViewedStatuses(v: ViewedStatuses, o: Origin) {
  return v.statuses.map((s) => serializeViewedStatus(s, o, v));
}
