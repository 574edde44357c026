import { z } from "zod";
import { boolish, digitId, intish, stringList } from "./coerce";
import { normalizeTag } from "../lib/status-text";
import type { FilterContext, NotificationType } from "./records";

/**
 * Request schemas of timelines, notifications, markers, conversations and filters. Parse with
 * `parseOrFail` (schemas/accounts.ts) for Mastodon's 422 `Validation failed: ...` shape.
 */

/** Blank and null read as absent, as Rails' params do. */
const blankAsUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);
const flag = z.preprocess(blankAsUndefined, boolish.optional());

export const publicTimelineSchema = z.object({
  local: flag,
  remote: flag,
  only_media: flag,
});

export const linkTimelineSchema = z.object({
  url: z.string().max(2048).optional(),
  local: flag,
  remote: flag,
});

const tagNames = stringList.transform((names) => [...new Set(names.map((n) => normalizeTag(n.trim().replace(/^#/, ""))).filter(Boolean))]);

export const tagTimelineSchema = publicTimelineSchema.extend({
  any: tagNames.optional(),
  all: tagNames.optional(),
  none: tagNames.optional(),
});

export { normalizeTag };

// ----- notifications -----

export const NOTIFICATION_TYPES: readonly NotificationType[] = ["mention", "status", "reblog", "follow", "follow_request", "favourite", "poll", "update", "quote", "quoted_update", "admin.sign_up", "admin.report"];

/** Unknown types are ignored (Mastodon does the same: newer clients send newer types). */
const typeList = stringList.transform((types) => types.filter((t): t is NotificationType => (NOTIFICATION_TYPES as string[]).includes(t)));

export const notificationsSchema = z.object({
  types: typeList.optional(),
  exclude_types: typeList.optional(),
  account_id: z.preprocess(blankAsUndefined, digitId.optional()),
  grouped_types: typeList.optional(),
  expand_accounts: z.preprocess(blankAsUndefined, z.enum(["full", "partial_avatars"]).optional()),
  include_filtered: boolish.optional(),
});

export const unreadCountSchema = notificationsSchema.extend({
  limit: z.preprocess(blankAsUndefined, intish.optional()),
});

// ----- markers -----

const MARKER_TIMELINES = ["home", "notifications"] as const;

export const markersQuerySchema = z.object({
  timeline: stringList.optional().transform((t) => (t ?? []).filter((x): x is (typeof MARKER_TIMELINES)[number] => (MARKER_TIMELINES as readonly string[]).includes(x))),
});

const markerInput = z.object({ last_read_id: z.preprocess((v) => (typeof v === "number" ? String(v) : v), digitId) }, { error: "must be an object" }).optional();

export const markersSaveSchema = z.object({ home: markerInput, notifications: markerInput });

// ----- filters -----

export const FILTER_CONTEXTS: readonly FilterContext[] = ["home", "notifications", "public", "thread", "account"];

const contextList = stringList.pipe(z.array(z.enum(FILTER_CONTEXTS as [FilterContext, ...FilterContext[]], { error: "includes an invalid context" })));

/** Seconds; "" or null means "never expires". */
const expiresIn = z.preprocess(
  (v) => (v === "" || v === null ? null : v),
  z.union([z.null(), intish.pipe(z.number().min(1, { error: "must be at least 1 second" }))], { error: "must be a number of seconds" }).optional(),
);

/** `keywords_attributes[][keyword]=...`, `keywords_attributes[0][keyword]=...` or a JSON array. */
const keywordsAttributes = z.preprocess(
  (v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.values(v) : v),
  z.array(
    z.object({
      id: z.preprocess((v) => (typeof v === "number" ? String(v) : blankAsUndefined(v)), digitId.optional()),
      keyword: z.string({ error: "must be a string" }).optional(),
      whole_word: flag,
      _destroy: flag,
    }),
    { error: "must be a list of keywords" },
  ),
);

export const filterSchema = z.object({
  title: z.string({ error: "must be a string" }).optional(),
  context: contextList.optional(),
  filter_action: z.preprocess(blankAsUndefined, z.enum(["warn", "hide", "blur"], { error: "must be warn, hide or blur" }).optional()),
  expires_in: expiresIn,
  keywords_attributes: keywordsAttributes.optional(),
});

export const keywordSchema = z.object({
  keyword: z.string({ error: "must be a string" }).optional(),
  whole_word: flag,
});

export const filterStatusSchema = z.object({
  status_id: z.preprocess((v) => (typeof v === "number" ? String(v) : v), digitId),
});

export const v1FilterSchema = z.object({
  phrase: z.string({ error: "must be a string" }).optional(),
  context: contextList.optional(),
  irreversible: flag,
  whole_word: flag,
  expires_in: expiresIn,
});
