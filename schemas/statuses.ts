import { z } from "zod";
import { boolish, digitId, intish, stringList } from "./coerce";
import { mediaAttributesSchema } from "./media";

/**
 * Request parameters of the statuses API (posting, editing, boosting, polls, scheduled
 * statuses, account statuses). Types only: the rules that need the instance's limits or the
 * text's rendering are checked in worker/api/statuses.ts with Mastodon's messages.
 */

export const VISIBILITIES = ["public", "unlisted", "private", "direct"] as const;
export const QUOTE_POLICIES = ["public", "followers", "nobody"] as const;

/** Form clients send "" for "not given"; JSON clients send null. */
const absent = (v: unknown) => (v === "" || v === null ? undefined : v);

const text = z.preprocess((v) => (v === null ? undefined : v), z.string({ error: "must be a string" }).optional());
const flag = z.preprocess(absent, boolish.optional());
const id = z.preprocess((v) => (typeof v === "number" ? String(v) : absent(v)), digitId.optional());

export const pollSchema = z.object(
  {
    options: stringList,
    expires_in: intish,
    multiple: flag,
    hide_totals: flag,
  },
  { error: "must be an object with options and expires_in" },
);

const statusFields = {
  status: text,
  spoiler_text: text,
  sensitive: flag,
  language: z.preprocess((v) => (v === "" ? null : v), z.string({ error: "must be a string" }).nullable().optional()),
  media_ids: z.preprocess(absent, stringList.optional()),
  poll: z.preprocess(absent, pollSchema.optional()),
  quoted_status_id: id,
  quote_approval_policy: z.preprocess(absent, z.enum(QUOTE_POLICIES, { error: `must be one of ${QUOTE_POLICIES.join(", ")}` }).optional()),
};

export const createStatusSchema = z.object({
  ...statusFields,
  visibility: z.preprocess(absent, z.enum(VISIBILITIES, { error: `must be one of ${VISIBILITIES.join(", ")}` }).optional()),
  in_reply_to_id: id,
  scheduled_at: z.preprocess(absent, z.string({ error: "must be a date and time" }).optional()),
  /** Mastodon 4.5: the only accounts the post may mention; others make it a 422 (status-drafts.ts). */
  allowed_mentions: z.preprocess(
    (v) => (v === null ? undefined : Array.isArray(v) ? v.map((x) => (typeof x === "number" ? String(x) : x)) : typeof v === "number" ? [String(v)] : v),
    stringList.optional(),
  ),
});
export type CreateStatusParams = z.output<typeof createStatusSchema>;

export const editStatusSchema = z.object({
  ...statusFields,
  media_attributes: z.preprocess(
    (v) => (v === undefined || v === null || v === "" ? undefined : Array.isArray(v) ? v : typeof v === "object" ? Object.values(v) : v),
    mediaAttributesSchema.optional(),
  ),
});
export type EditStatusParams = z.output<typeof editStatusSchema>;

/** `PUT /api/v1/statuses/:id/interaction_policy`. */
export const interactionPolicySchema = z.object({
  quote_approval_policy: z.enum(QUOTE_POLICIES, { error: `must be one of ${QUOTE_POLICIES.join(", ")}` }),
});

export const reblogSchema = z.object({
  visibility: z.preprocess(absent, z.enum(["public", "unlisted", "private"], { error: "must be one of public, unlisted, private" }).optional()),
});

/** Accepts `choices[]=0` (strings) and JSON numbers alike. */
export const voteParams = z.object({
  choices: z.preprocess(
    (v) => (v === undefined ? [] : Array.isArray(v) ? v : typeof v === "object" && v !== null ? Object.values(v) : [v]),
    z.array(intish, { error: "must be a list of option indexes" }),
  ),
});

export const scheduleUpdateSchema = z.object({
  scheduled_at: z.string({ error: "must be a date and time" }),
});

export const accountStatusesSchema = z.object({
  pinned: flag,
  exclude_replies: flag,
  exclude_reblogs: flag,
  only_media: flag,
  tagged: z.preprocess(absent, z.string({ error: "must be a string" }).optional()),
});

/** A time given as ISO 8601 (what clients send for `scheduled_at`); null if unreadable. */
export function parseTime(value: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(value)) return null;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : at;
}
