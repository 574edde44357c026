import { hasMedia, type StatusRecord } from "../../schemas/records";
import { accountStub } from "../../core/stubs";
import type { PublicEvent } from "./user-events";
import { hashtagStreamsFor, normalizeTag, publicStreamsFor } from "./protocol";

/**
 * The timeline-object side of public and hashtag streams. Connections live on each user's
 * own account object (one socket multiplexes the user's streams with public ones, and an
 * event must be filtered and rendered with that user's blocks, mutes, filters and flags,
 * which only that object holds). A timeline object keeps which accounts listen to which of
 * its streams (`stream_watchers`), and pushes each new, edited or deleted status to them.
 * Accounts register on subscribe and leave on unsubscribe/close; an account that no longer
 * listens answers with fewer keys and its rows are dropped, so a lost "leave" heals itself.
 */

export const STREAM_WATCHERS_SQL = `CREATE TABLE stream_watchers (
  account_id TEXT NOT NULL,
  stream TEXT NOT NULL,
  PRIMARY KEY (stream, account_id)
)`;

/** Accounts called at once per event; more are called in further rounds. */
const PARALLEL = 50;
/** SQLite allows 100 bound parameters. */
const MAX_KEYS = 90;

export function watchStream(sql: SqlStorage, accountId: string, key: string): void {
  sql.exec("INSERT OR IGNORE INTO stream_watchers (account_id, stream) VALUES (?, ?)", accountId, key);
}

export function unwatchStream(sql: SqlStorage, accountId: string, key: string): void {
  sql.exec("DELETE FROM stream_watchers WHERE account_id = ? AND stream = ?", accountId, key);
}

/** Stream keys a status reaches: public variants, and per hashtag `hashtag#t` (+ `hashtag:local#t`). */
export function keysFor(local: boolean, media: boolean, tags: string[]): string[] {
  const tagKeys = tags.flatMap((t) => hashtagStreamsFor(local).map((s) => `${s}#${normalizeTag(t)}`));
  return [...publicStreamsFor(local, media), ...tagKeys].slice(0, MAX_KEYS);
}

/**
 * Pushes a status event to the accounts listening to this timeline's matching streams. Runs in
 * the background: the timeline's own write does not wait for the listeners.
 */
export function publishPublic(sql: SqlStorage, env: Env, event: { event: "update" | "status.update"; status: StatusRecord } | { event: "delete"; id: string }): void {
  const keys = event.event === "delete" ? keysOfEntry(sql, event.id) : keysOfStatus(event.status);
  if (keys.length === 0) return;
  const rows = sql
    .exec<{ account_id: string; stream: string }>(`SELECT account_id, stream FROM stream_watchers WHERE stream IN (${keys.map(() => "?").join(",")})`, ...keys)
    .toArray();
  if (rows.length === 0) return;
  const byAccount = new Map<string, string[]>();
  for (const r of rows) byAccount.set(r.account_id, [...(byAccount.get(r.account_id) ?? []), r.stream]);
  void deliver(sql, env, event, byAccount).catch((err) => console.error("public stream delivery failed", err instanceof Error ? err.message : err));
}

async function deliver(
  sql: SqlStorage,
  env: Env,
  event: { event: "update" | "status.update"; status: StatusRecord } | { event: "delete"; id: string },
  byAccount: Map<string, string[]>,
): Promise<void> {
  const accounts = [...byAccount.entries()];
  for (let i = 0; i < accounts.length; i += PARALLEL) {
    await Promise.all(
      accounts.slice(i, i + PARALLEL).map(async ([accountId, keys]) => {
        const payload: PublicEvent = event.event === "delete" ? { event: "delete", id: event.id, keys } : { ...event, keys };
        let still: string[];
        try {
          still = await accountStub(env, accountId).streamPublic(payload);
        } catch {
          return; // unreachable for now; it re-registers on its next subscription
        }
        for (const key of keys) if (!still.includes(key)) unwatchStream(sql, accountId, key);
      }),
    );
  }
}

function keysOfStatus(s: StatusRecord): string[] {
  return keysFor(s.account.domain === null, hasMedia(s), s.tags);
}

/** Keys of a stored timeline entry (read before it is deleted). */
function keysOfEntry(sql: SqlStorage, id: string): string[] {
  const row = sql.exec<{ local: number; has_media: number; tags: string }>("SELECT local, has_media, tags FROM entries WHERE id = ?", id).toArray()[0];
  if (!row) return [];
  return keysFor(row.local === 1, row.has_media === 1, row.tags.trim().split(" ").filter(Boolean));
}
