import { z } from "zod";
import { boolish, intish, stringList } from "./coerce";
import { normalizeTag } from "../lib/status-text";

/**
 * Request schemas of the social graph, lists, tags and directory APIs. Parse with
 * `parseOrFail` (schemas/accounts.ts) for Mastodon's 422 `Validation failed: ...` shape.
 */

const LANGUAGE = /^[a-z]{2,3}$/;
const BLANK = "can't be blank";

/** `languages[]=en&languages[]=de`; empty means every language (null). */
const languages = z
  .union([stringList, z.null()])
  .optional()
  .transform((v) => (v === undefined ? undefined : v && v.length ? [...new Set(v.map((l) => l.trim().toLowerCase()))] : null))
  .refine((v) => !v || v.every((l) => LANGUAGE.test(l)), { error: "must be ISO 639-1 language codes" });

export const followSchema = z.object({
  reblogs: boolish.optional(),
  notify: boolish.optional(),
  languages,
});

/** Blank and null read as the default, as Rails' params do. */
const blankAsUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);

export const muteSchema = z.object({
  notifications: z.preprocess(blankAsUndefined, boolish.optional()).transform((v) => v ?? true),
  duration: z.preprocess(blankAsUndefined, intish.pipe(z.number().min(0, { error: "must be 0 or more seconds" })).optional()).transform((v) => v ?? 0),
});

export const noteSchema = z.object({
  comment: z
    .union([z.string(), z.null()], { error: "must be a string" })
    .optional()
    .transform((v) => v ?? ""),
});

const REPLIES_POLICIES = ["followed", "list", "none"] as const;
const LIST_TITLE_MAX = 256;

const listTitle = z
  .string({ error: (issue) => (issue.input === undefined || issue.input === null ? BLANK : "must be a string") })
  .trim()
  .min(1, { error: BLANK })
  .max(LIST_TITLE_MAX, { error: `is too long (maximum is ${LIST_TITLE_MAX} characters)` });

const repliesPolicy = z.enum(REPLIES_POLICIES, { error: "is not included in the list" });

export const createListSchema = z.object({
  title: listTitle,
  replies_policy: z.preprocess(blankAsUndefined, repliesPolicy.optional()),
  exclusive: z.preprocess(blankAsUndefined, boolish.optional()),
});

export const updateListSchema = z.object({
  title: listTitle.optional(),
  replies_policy: z.preprocess(blankAsUndefined, repliesPolicy.optional()),
  exclusive: z.preprocess(blankAsUndefined, boolish.optional()),
});

export const listAccountsSchema = z.object({
  account_ids: z
    .preprocess((v) => (v === undefined || v === null || v === "" ? [] : v), stringList)
    .refine((ids) => ids.every((id) => /^\d{1,20}$/.test(id)), { error: "must be account ids" }),
});

/** Hashtag names: letters, marks, digits and underscores with at least one non-digit. */
const TAG_NAME = /^[\p{L}\p{M}\p{N}_]*[\p{L}\p{M}_][\p{L}\p{M}\p{N}_]*$/u;
const TAG_MAX = 100;

/** A hashtag as stored (normalized), or null when `raw` is not a valid hashtag name. */
export function tagName(raw: unknown): string | null {
  if (typeof raw !== "string") return null;
  const name = raw.trim().replace(/^#/, "");
  if (name.length === 0 || name.length > TAG_MAX || !TAG_NAME.test(name)) return null;
  return normalizeTag(name);
}

const pagingNumber = (fallback: number, max: number) =>
  z.preprocess(blankAsUndefined, intish.optional()).transform((v) => Math.min(Math.max(v ?? fallback, 0), max));

export const accountSearchSchema = z.object({
  q: z.preprocess((v) => (typeof v === "string" ? v : ""), z.string()),
  limit: pagingNumber(40, 80).transform((v) => v || 40),
  offset: pagingNumber(0, 10_000),
  resolve: z.preprocess(blankAsUndefined, boolish.optional()),
  following: z.preprocess(blankAsUndefined, boolish.optional()).transform((v) => v ?? false),
});

export const directorySchema = z.object({
  order: z.preprocess((v) => (v === "new" ? "new" : "active"), z.enum(["active", "new"])),
  local: z.preprocess(blankAsUndefined, boolish.optional()),
  limit: pagingNumber(40, 80).transform((v) => v || 40),
  offset: pagingNumber(0, 10_000),
});
