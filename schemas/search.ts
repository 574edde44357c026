import { z } from "zod";
import { boolish, digitId, intish } from "./coerce";

/**
 * Request schemas of search (`GET /api/v2/search`) and trends (`/api/v1/trends/*`). Parse with
 * `parseOrFail` (schemas/accounts.ts) for Mastodon's 422 `Validation failed: ...` shape.
 * `q` is checked by the handler: Mastodon answers a missing one with 400, not 422.
 */

/** Blank and null read as absent, as Rails' params do. */
const blankAsUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);
const flag = z.preprocess(blankAsUndefined, boolish.optional()).transform((v) => v ?? false);
const optionalId = z.preprocess(blankAsUndefined, digitId.optional());

/** A page size: absent or not positive means the default; above the maximum means the maximum. */
const pageSize = (fallback: number, max: number) =>
  z.preprocess(blankAsUndefined, intish.optional()).transform((v) => (v === undefined || v <= 0 ? fallback : Math.min(v, max)));

/** Offsets deeper than this are refused: each index would have to read that far. */
export const MAX_OFFSET = 10_000;
const offset = z.preprocess(
  blankAsUndefined,
  intish.pipe(z.number().min(0, { error: "must be 0 or more" }).max(MAX_OFFSET, { error: `must be at most ${MAX_OFFSET}` })).optional(),
);

export const SEARCH_TYPES = ["accounts", "hashtags", "statuses"] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];

export const searchSchema = z.object({
  type: z.preprocess(blankAsUndefined, z.enum(SEARCH_TYPES, { error: "must be accounts, hashtags or statuses" }).optional()),
  resolve: flag,
  following: flag,
  /** No hashtag review exists yet: every known tag counts as reviewed, so this changes nothing. */
  exclude_unreviewed: flag,
  account_id: optionalId,
  max_id: optionalId,
  min_id: optionalId,
  limit: pageSize(20, 40),
  offset,
});

export type SearchParams = z.output<typeof searchSchema>;

/** Trends pages: Mastodon's default and maximum per endpoint. */
export function trendsSchema(fallback: number, max: number) {
  return z.object({ limit: pageSize(fallback, max), offset: offset.transform((v) => v ?? 0) });
}
