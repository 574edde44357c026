import { z } from "zod";
import { boolish, stringList } from "./coerce";
import type { AccountSnapshot } from "./records";

/**
 * Featured collections (Mastodon 4.6): request schemas and the records the owner's object
 * returns. Limits are Mastodon's Collection model's for local collections.
 */
export const COLLECTION_NAME_MAX = 40;
export const COLLECTION_DESCRIPTION_MAX = 100;
/** Accounts per collection, pending and accepted together (Collection::MAX_ITEMS). */
export const COLLECTION_MAX_ITEMS = 25;
/** Collections per account (Mastodon takes it from the user's role). */
export const COLLECTIONS_PER_ACCOUNT = 10;

const chars = (s: string) => [...s].length;
const BLANK = "can't be blank";
const TAG_NAME = /^[\p{L}\p{M}\p{N}_]*[\p{L}\p{M}_][\p{L}\p{M}\p{N}_]*$/u;

const text = (max: number) =>
  z.preprocess((v) => (v === null ? "" : v), z.string({ error: "must be a string" }))
    .transform((v) => v.trim())
    .refine((v) => chars(v) <= max, { error: `is too long (maximum is ${max} characters)` });

const name = text(COLLECTION_NAME_MAX).refine((v) => v !== "", { error: BLANK, params: { code: "ERR_BLANK" } });

const language = z
  .union([z.string(), z.null()], { error: "must be a string" })
  .transform((v) => (v ? v.trim().toLowerCase() : null))
  .refine((v) => v === null || /^[a-z]{2,3}$/.test(v), { error: "is not a valid language", params: { code: "ERR_INCLUSION" } });

/** A hashtag name, `#` optional; blank clears it. */
const tagName = z
  .union([z.string(), z.null()], { error: "must be a string" })
  .transform((v) => (v ? v.trim().replace(/^#/, "") : null))
  .refine((v) => v === null || v === "" || TAG_NAME.test(v), { error: "is not a valid hashtag", params: { code: "ERR_INVALID" } })
  .transform((v) => v || null);

const collectionFields = {
  description: text(COLLECTION_DESCRIPTION_MAX).optional(),
  language: language.optional(),
  sensitive: boolish.optional(),
  discoverable: boolish.optional(),
  tag_name: tagName.optional(),
};

export const createCollectionSchema = z.object({
  name: z.preprocess((v) => (v === undefined ? "" : v), name),
  ...collectionFields,
  account_ids: stringList.optional(),
});

export const updateCollectionSchema = z.object({ name: name.optional(), ...collectionFields });

export type CollectionInput = z.output<typeof updateCollectionSchema>;
export type NewCollection = z.output<typeof createCollectionSchema>;

/** As Rails' `to_i`: the leading integer of a value, else `fallback`. */
const leadingInt = (fallback: number) =>
  z.unknown().optional().transform((v) => {
    const m = /^\s*(-?\d{1,15})/.exec(typeof v === "number" ? String(Math.trunc(v)) : typeof v === "string" ? v : "");
    return m ? Number(m[1]) : fallback;
  });

/** `limit` 40 by default, at most 80; `offset` from 0. Unreadable values fall back, as Mastodon's `to_i` does. */
export const collectionPageSchema = z.object({
  limit: leadingInt(40).transform((v) => Math.min(Math.max(v, 1), 80)),
  offset: leadingInt(0).transform((v) => Math.max(v, 0)),
});
export type OffsetPage = z.output<typeof collectionPageSchema>;

export type CollectionItemState = "pending" | "accepted" | "rejected" | "revoked";

export interface CollectionItemRecord {
  id: string;
  account_id: string;
  state: CollectionItemState;
  created_at: string;
  account: AccountSnapshot;
}

export interface CollectionRecord {
  id: string;
  owner: AccountSnapshot;
  name: string;
  description: string;
  language: string | null;
  sensitive: boolean;
  discoverable: boolean;
  tag_name: string | null;
  created_at: string;
  updated_at: string;
  /** Accepted items, whoever reads. */
  item_count: number;
  /** The items this reader may see: the owner sees pending ones too, others accepted ones. */
  items: CollectionItemRecord[];
}

/** What one collection's owner tells a featured account's object. */
export interface FeaturedInNotice {
  item_id: string;
  collection_id: string;
  owner_id: string;
  created_at: string;
}
