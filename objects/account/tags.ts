import type { Page } from "../../schemas/paging";
import { fail, ok, type Result } from "../../lib/result";
import { snowflake } from "../../lib/ids";
import { selectPage } from "./id-page";
import { NOT_FOUND } from "./graph";
import { tagTimelineStub } from "../../core/stubs";
import type { AccountHost } from "./host";
import type { FeaturedTagRecord, TagRelation } from "../../schemas/records";

/** A hashtag and how this account relates to it. */
export interface TagEntry extends TagRelation {
  name: string;
}

export interface FollowedTagEntry extends TagEntry {
  cursor: string;
}

export const MAX_FEATURED_TAGS = 10;
const SUGGESTIONS = 10;

export function tagRelation(sql: SqlStorage, name: string): TagRelation {
  const row = sql
    .exec<{ following: number; featuring: number }>(
      `SELECT EXISTS (SELECT 1 FROM followed_tags WHERE name = ?) AS following,
              EXISTS (SELECT 1 FROM featured_tags WHERE name = ?) AS featuring`,
      name,
      name,
    )
    .one();
  return { following: row.following === 1, featuring: row.featuring === 1 };
}

/**
 * The hashtag's timeline object keeps the tag's local followers and sends them new tagged posts
 * (their home timelines); it is told first, so a retry after a failure converges.
 */
export async function followTag(host: AccountHost, name: string): Promise<TagRelation> {
  await tagTimelineStub(host.env, name).addFollower(host.accountId());
  host.sql.exec("INSERT OR IGNORE INTO followed_tags (name, id) VALUES (?, ?)", name, snowflake());
  return tagRelation(host.sql, name);
}

export async function unfollowTag(host: AccountHost, name: string): Promise<TagRelation> {
  await tagTimelineStub(host.env, name).removeFollower(host.accountId());
  host.sql.exec("DELETE FROM followed_tags WHERE name = ?", name);
  return tagRelation(host.sql, name);
}

export function followedTagsPage(sql: SqlStorage, page: Page): FollowedTagEntry[] {
  return selectPage<{ id: string; name: string; featuring: number }>(sql, {
    columns: "id, name, EXISTS (SELECT 1 FROM featured_tags WHERE featured_tags.name = followed_tags.name) AS featuring",
    from: "followed_tags",
    idColumn: "id",
    page,
  }).map((r) => ({ cursor: r.id, name: r.name, following: true, featuring: r.featuring === 1 }));
}

// ----- featured tags -----

function featuredTagStats(sql: SqlStorage, name: string): { statuses_count: number; last_status_at: string | null } {
  const row = sql
    .exec<{ n: number; last: string | null }>(
      `SELECT count(*) AS n, max(statuses.created_at) AS last FROM status_tags JOIN statuses ON statuses.id = status_tags.status_id
       WHERE status_tags.tag = ? AND statuses.visibility IN ('public', 'unlisted') AND statuses.reblog_of_id IS NULL`,
      name,
    )
    .one();
  return { statuses_count: row.n, last_status_at: row.last };
}

function toFeatured(sql: SqlStorage, row: { id: string; name: string }): FeaturedTagRecord {
  const username = sql.exec<{ username: string }>("SELECT username FROM account").one().username;
  return { id: row.id, name: row.name, username, ...featuredTagStats(sql, row.name) };
}

export function featuredTags(sql: SqlStorage): FeaturedTagRecord[] {
  return sql
    .exec<{ id: string; name: string }>("SELECT id, name FROM featured_tags ORDER BY id")
    .toArray()
    .map((r) => toFeatured(sql, r));
}

/** POST /api/v1/featured_tags: a second feature of the same name is a validation error. */
export function featureTag(sql: SqlStorage, name: string): Result<FeaturedTagRecord> {
  if (sql.exec("SELECT 1 FROM featured_tags WHERE name = ?", name).toArray().length) {
    return fail(422, "Validation failed: Name has already been taken");
  }
  const count = sql.exec<{ n: number }>("SELECT count(*) AS n FROM featured_tags").one().n;
  if (count >= MAX_FEATURED_TAGS) return fail(422, "Validation failed: You have already featured the maximum number of hashtags");
  const id = snowflake();
  sql.exec("INSERT INTO featured_tags (id, name) VALUES (?, ?)", id, name);
  return ok(toFeatured(sql, { id, name }));
}

/** POST /api/v1/tags/:name/feature: idempotent, answers with the tag. */
export function featureTagByName(sql: SqlStorage, name: string): Result<TagRelation> {
  if (!tagRelation(sql, name).featuring) {
    const created = featureTag(sql, name);
    if (!created.ok) return created;
  }
  return ok(tagRelation(sql, name));
}

export function unfeatureTag(sql: SqlStorage, id: string): Result<Record<string, never>> {
  const removed = sql.exec("DELETE FROM featured_tags WHERE id = ?", id).rowsWritten;
  return removed ? ok({}) : fail(404, NOT_FOUND);
}

export function unfeatureTagByName(sql: SqlStorage, name: string): TagRelation {
  sql.exec("DELETE FROM featured_tags WHERE name = ?", name);
  return tagRelation(sql, name);
}

/** Tags of the account's own recent posts that it does not feature yet, most recent first. */
export function featuredTagSuggestions(sql: SqlStorage): TagEntry[] {
  return sql
    .exec<{ tag: string; following: number }>(
      `SELECT tag, EXISTS (SELECT 1 FROM followed_tags WHERE followed_tags.name = status_tags.tag) AS following
       FROM status_tags WHERE tag NOT IN (SELECT name FROM featured_tags)
       GROUP BY tag ORDER BY max(status_id) DESC LIMIT ?`,
      SUGGESTIONS,
    )
    .toArray()
    .map((r) => ({ name: r.tag, following: r.following === 1, featuring: false }));
}
