import type { AccountHost } from "./host";
import type { AccountSnapshot } from "../../schemas/records";
import { accountStub, directoryStub } from "../../core/stubs";
import { localAccountIds } from "../federation/account-owners";

/**
 * Follow suggestions (`/api/v1/suggestions`, `/api/v2/suggestions`), from two sources as
 * Mastodon's: the social graph (accounts followed by those the viewer follows most recently:
 * `friends_of_friends`) and the instance's active, discoverable accounts (the profile
 * directory's "active" order: `most_interactions`). Left out: the viewer, accounts it follows
 * or asked to follow, blocked either way, muted, and suggestions it dismissed
 * (`dismissed_suggestions`, kept until it follows or the row is replaced).
 */
export type SuggestionSource = "friends_of_friends" | "most_interactions";

export interface Suggestion {
  account: AccountSnapshot;
  sources: SuggestionSource[];
}

/** How many recent follows are asked for their own follows, and how many of those each. */
const FOLLOWEES_ASKED = 10;
const PER_FOLLOWEE = 40;
const DIRECTORY_PAGE = 80;

export async function suggestions(host: AccountHost, limit: number): Promise<Suggestion[]> {
  const sql = host.sql;
  const me = host.accountId();
  const excluded = new Set<string>([
    me,
    ...ids(sql, "SELECT account_id AS v FROM following"),
    ...ids(sql, "SELECT account_id AS v FROM blocks UNION SELECT account_id AS v FROM blocked_by"),
    ...ids(sql, "SELECT account_id AS v FROM mutes"),
    ...ids(sql, "SELECT account_id AS v FROM dismissed_suggestions"),
  ]);
  const found = new Map<string, Suggestion & { weight: number }>();
  const add = (account: AccountSnapshot, source: SuggestionSource, weight: number) => {
    if (excluded.has(account.id)) return;
    const entry = found.get(account.id) ?? { account, sources: [], weight: 0 };
    if (!entry.sources.includes(source)) entry.sources.push(source);
    entry.weight += weight;
    found.set(account.id, entry);
  };

  const recent = ids(sql, `SELECT account_id AS v FROM following WHERE state = 'accepted' ORDER BY CAST(id AS INTEGER) DESC LIMIT ${FOLLOWEES_ASKED}`);
  const local = await localAccountIds(host.env, recent);
  const pages = await Promise.all(local.map((id) => accountStub(host.env, id).collection("following", me, { limit: PER_FOLLOWEE })));
  // Each followee who also follows an account makes it a stronger suggestion.
  for (const page of pages) if (page.ok) for (const entry of page.value) add(entry.account, "friends_of_friends", 2);

  const active = await directoryStub(host.env).browseDirectory({ order: "active", limit: DIRECTORY_PAGE, offset: 0, exclude: [...excluded] });
  active.forEach((account, i) => add(account, "most_interactions", 1 - i / (DIRECTORY_PAGE * 2)));

  return [...found.values()]
    .sort((a, b) => b.weight - a.weight)
    .slice(0, limit)
    .map(({ account, sources }) => ({ account, sources }));
}

/** `DELETE /api/v1/suggestions/:account_id`: never suggest this account again. */
export function dismissSuggestion(host: AccountHost, accountId: string): void {
  host.sql.exec("INSERT OR REPLACE INTO dismissed_suggestions (account_id, dismissed_at) VALUES (?, ?)", accountId, Date.now());
}

function ids(sql: SqlStorage, query: string): string[] {
  return sql.exec<{ v: string }>(query).toArray().map((r) => r.v);
}
