import { csvFormatRows } from "d3-dsv";
import type { AccountSnapshot, StatusRecord } from "../../schemas/records";
import type { ExportCounts, ExportName, PortabilityOrigin } from "../../schemas/portability";
import { statusUri } from "../../core/serializers/status";

/**
 * The CSV exports, byte for byte as Mastodon's Export class writes them: the same headers (or
 * none), columns, booleans as `true`/`false`, `Languages` joined with ", ", rows ended by "\n",
 * accounts as `username@domain` (local ones with this instance's domain), newest first where
 * Mastodon orders them so. `followers.csv` is ours (Mastodon offers no followers file); it uses
 * the single `Account address` column.
 */

const FOLLOWING_HEADER = ["Account address", "Show boosts", "Notify on new posts", "Languages"];
const MUTES_HEADER = ["Account address", "Hide notifications"];
const FOLLOWERS_HEADER = ["Account address"];

export const EXPORT_SCOPES: Record<ExportName, string> = {
  following_accounts: "read:follows",
  followers: "read:follows",
  lists: "read:lists",
  blocked_accounts: "read:blocks",
  muted_accounts: "read:mutes",
  blocked_domains: "read:blocks",
  bookmarks: "read:bookmarks",
};

/** `username@domain` for any account, local ones with this instance's domain. */
export function accountAddress(a: Pick<AccountSnapshot, "username" | "domain">, localDomain: string): string {
  return `${a.username}@${a.domain ?? localDomain}`;
}

function csv(rows: (string | boolean)[][], header?: string[]): string {
  const all = header ? [header, ...rows] : rows;
  return all.length ? `${csvFormatRows(all.map((r) => r.map(String)))}\n` : "";
}

function snapshots(sql: SqlStorage, query: string): { account: AccountSnapshot; row: Record<string, SqlStorageValue> }[] {
  return sql
    .exec(query)
    .toArray()
    .map((row) => ({ account: JSON.parse(String(row.snapshot)) as AccountSnapshot, row }));
}

export function exportCsv(sql: SqlStorage, name: ExportName, o: PortabilityOrigin): string {
  const address = (a: AccountSnapshot) => accountAddress(a, o.domain);
  switch (name) {
    case "following_accounts":
      return csv(
        snapshots(sql, "SELECT * FROM following WHERE state = 'accepted' ORDER BY id DESC").map(({ account, row }) => [
          address(account),
          row.reblogs === 1,
          row.notify === 1,
          row.languages ? (JSON.parse(String(row.languages)) as string[]).join(", ") : "",
        ]),
        FOLLOWING_HEADER,
      );
    case "followers":
      return csv(
        snapshots(sql, "SELECT snapshot FROM followers ORDER BY id DESC").map(({ account }) => [address(account)]),
        FOLLOWERS_HEADER,
      );
    case "muted_accounts":
      return csv(
        snapshots(sql, "SELECT snapshot, notifications FROM mutes ORDER BY id DESC").map(({ account, row }) => [address(account), row.notifications === 1]),
        MUTES_HEADER,
      );
    case "blocked_accounts":
      return csv(snapshots(sql, "SELECT snapshot FROM blocks ORDER BY id").map(({ account }) => [address(account)]));
    case "lists":
      return csv(
        snapshots(
          sql,
          `SELECT lists.title AS title, following.snapshot AS snapshot FROM lists
           JOIN list_accounts ON list_accounts.list_id = lists.id
           JOIN following ON following.account_id = list_accounts.account_id
           ORDER BY lists.id, following.id`,
        ).map(({ account, row }) => [String(row.title), address(account)]),
      );
    case "blocked_domains":
      return csv(sql.exec<{ domain: string }>("SELECT domain FROM user_domain_blocks ORDER BY id").toArray().map((r) => [r.domain]));
    case "bookmarks":
      return csv(
        sql
          .exec<{ snapshot: string }>("SELECT snapshot FROM bookmarks ORDER BY id DESC")
          .toArray()
          .map((r) => [statusUri(o, JSON.parse(r.snapshot) as StatusRecord)]),
      );
  }
}

export function exportCounts(sql: SqlStorage): ExportCounts {
  const count = (query: string) => sql.exec<{ n: number }>(query).one().n;
  return {
    following_accounts: count("SELECT count(*) AS n FROM following WHERE state = 'accepted'"),
    followers: count("SELECT count(*) AS n FROM followers"),
    lists: count("SELECT count(*) AS n FROM lists"),
    blocked_accounts: count("SELECT count(*) AS n FROM blocks"),
    muted_accounts: count("SELECT count(*) AS n FROM mutes"),
    blocked_domains: count("SELECT count(*) AS n FROM user_domain_blocks"),
    bookmarks: count("SELECT count(*) AS n FROM bookmarks"),
    statuses: count("SELECT count(*) AS n FROM statuses"),
  };
}
