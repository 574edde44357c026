import type { StatusRecord, ViewerFlags } from "../../schemas/records";
import { compareIds } from "../../lib/ids";

/**
 * What the home feed rules (home.ts) ask about the accounts a status involves, read in ONE
 * statement, and kept in memory per set of accounts: a delivery runs once per follower and
 * post, an author posts again and again, and each `sql.exec` has a fixed cost that dominates
 * these small lookups. Kept facts are forgotten on any write to a table they are read from
 * (the account object watches its SQL, see objects/watched-storage.ts), on a rolled-back
 * transaction, and when a timed mute they depend on expires.
 */

export interface Follow {
  reblogs: number;
  notify: number;
  languages: string | null;
}

export interface FeedFacts {
  /** The author is blocked by this account or blocks it. */
  blocked: boolean;
  /** This account's accepted follow of the author. */
  follow: Follow | null;
  /** The author is in one of this account's exclusive lists. */
  exclusive: boolean;
  /** Some other account the status involves (author, mentions, boosted author and its mentions) is blocked or muted. */
  blockedOrMuted: boolean;
  /** The account replied to is followed (accepted). */
  followsParent: boolean;
  /** The boosted status's author blocks this account. */
  reblogAuthorBlocksMe: boolean;
  /** Lists holding the author, with whether each also holds the account replied to. */
  lists: { id: string; replies_policy: string; has_parent: number }[];
  /** This account has filters at all (if not, nothing needs to read them). */
  hasFilters: boolean;
  /** The author's or the boosted author's domain is one this account blocks (user-domain-blocks.ts). */
  domainBlocked: boolean;
}

/** Tables the facts statement reads. */
const FACT_TABLES = new Set(["blocks", "blocked_by", "following", "list_accounts", "lists", "mutes", "filters", "user_domain_blocks"]);
/** Tables whose new rows can set a status's favourited, bookmarked or reblogged flag. */
const INTERACTION_TABLES = new Set(["favourites", "bookmarks", "statuses"]);
const MAX_KEPT = 256;

interface FactsInput {
  author: string;
  involved: string[];
  inReplyToAccount: string | null;
  reblogAuthor: string | null;
  /** Domains of the author and the boosted author (remote ones only). */
  domains: string[];
}

export class FeedFactsMemo {
  private readonly kept = new Map<string, FeedFacts>();
  /** When the earliest timed mute expires (the facts count it as muting until then). */
  private validUntil = Infinity;
  /** An upper bound of the status ids this account favourited, bookmarked or boosted ("" for none); undefined = to be read. */
  private newestInteraction: string | undefined;
  private mutedConversations: Set<string> | undefined;

  /** Called for every statement that writes `table` (`adds`: an INSERT or REPLACE). */
  written(table: string, adds: boolean): void {
    if (FACT_TABLES.has(table)) this.forgetFacts();
    // Removing rows leaves the bound an upper bound: only new rows can raise it.
    if (adds && INTERACTION_TABLES.has(table)) this.newestInteraction = undefined;
    if (table === "muted_conversations") this.mutedConversations = undefined;
  }

  clear(): void {
    this.forgetFacts();
    this.newestInteraction = undefined;
    this.mutedConversations = undefined;
  }

  /** The facts for a status reaching account `me` (one statement unless kept). */
  facts(sql: SqlStorage, me: string, s: StatusRecord): FeedFacts {
    if (Date.now() >= this.validUntil) this.forgetFacts();
    const input = factsInput(me, s);
    const key = JSON.stringify(input);
    const known = this.kept.get(key);
    if (known) return known;
    const { facts, mutesChangeAt } = readFacts(sql, input);
    if (this.kept.size >= MAX_KEPT) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(key, facts);
    this.validUntil = Math.min(this.validUntil, mutesChangeAt);
    return facts;
  }

  /**
   * Viewer flags of a status that just reached this account from its author, without a query
   * when they are known to be unset: no favourite, bookmark or boost here is of a status newer
   * than every one this account ever interacted with. Null when a query is needed (boosts,
   * polls, or an id not newer than that).
   */
  freshFlags(sql: SqlStorage, s: StatusRecord): Record<string, ViewerFlags> | null {
    if (s.reblog || s.poll) return null;
    this.newestInteraction ??= newestInteraction(sql);
    if (compareIds(s.id, this.newestInteraction) <= 0) return null;
    this.mutedConversations ??= new Set(sql.exec<{ id: string }>("SELECT conversation_id AS id FROM muted_conversations").toArray().map((r) => r.id));
    return { [s.id]: { favourited: false, reblogged: false, bookmarked: false, muted: this.mutedConversations.has(s.conversation_id) } };
  }

  private forgetFacts(): void {
    this.kept.clear();
    this.validUntil = Infinity;
  }

}

/** The facts without the memo (backfills: rare, and for many authors at once). */
export function feedFacts(sql: SqlStorage, me: string, s: StatusRecord): FeedFacts {
  return readFacts(sql, factsInput(me, s)).facts;
}

function factsInput(me: string, s: StatusRecord): FactsInput {
  const involved = new Set([s.account.id, ...s.mentions.map((m) => m.id)]);
  if (s.reblog) [s.reblog.account.id, ...s.reblog.mentions.map((m) => m.id)].forEach((id) => involved.add(id));
  involved.delete(me);
  const domains = [...new Set([s.account.domain, s.reblog?.account.domain].flatMap((d) => (d ? [d.toLowerCase()] : [])))];
  return { author: s.account.id, involved: [...involved].sort(), inReplyToAccount: s.in_reply_to_account_id, reblogAuthor: s.reblog?.account.id ?? null, domains };
}

type FactsRow = {
  blocked: number;
  follow: string | null;
  exclusive: number;
  blocked_or_muted: number;
  follows_parent: number;
  reblog_blocks_me: number;
  lists: string;
  has_filters: number;
  mutes_change_at: string | null;
  domain_blocked: number;
};

function readFacts(sql: SqlStorage, input: FactsInput): { facts: FeedFacts; mutesChangeAt: number } {
  const row = sql
    .exec<FactsRow>(
      `SELECT
         EXISTS (SELECT 1 FROM blocks WHERE account_id = ?1) OR EXISTS (SELECT 1 FROM blocked_by WHERE account_id = ?1) AS blocked,
         (SELECT json_object('reblogs', reblogs, 'notify', notify, 'languages', languages) FROM following WHERE account_id = ?1 AND state = 'accepted') AS follow,
         EXISTS (SELECT 1 FROM list_accounts JOIN lists ON lists.id = list_accounts.list_id WHERE list_accounts.account_id = ?1 AND lists.exclusive = 1) AS exclusive,
         EXISTS (SELECT 1 FROM blocks WHERE account_id IN (SELECT value FROM json_each(?2)))
           OR EXISTS (SELECT 1 FROM mutes WHERE (expires_at IS NULL OR expires_at > ?3) AND account_id IN (SELECT value FROM json_each(?2))) AS blocked_or_muted,
         EXISTS (SELECT 1 FROM following WHERE account_id = ?4 AND state = 'accepted') AS follows_parent,
         EXISTS (SELECT 1 FROM blocked_by WHERE account_id = ?5) AS reblog_blocks_me,
         (SELECT json_group_array(json_object('id', lists.id, 'replies_policy', lists.replies_policy,
            'has_parent', EXISTS (SELECT 1 FROM list_accounts AS p WHERE p.list_id = lists.id AND p.account_id = ?4)))
          FROM list_accounts JOIN lists ON lists.id = list_accounts.list_id WHERE list_accounts.account_id = ?1) AS lists,
         EXISTS (SELECT 1 FROM filters) AS has_filters,
         EXISTS (SELECT 1 FROM user_domain_blocks WHERE domain IN (SELECT value FROM json_each(?6))) AS domain_blocked,
         (SELECT min(expires_at) FROM mutes WHERE expires_at > ?3 AND account_id IN (SELECT value FROM json_each(?2))) AS mutes_change_at`,
      input.author,
      JSON.stringify(input.involved),
      new Date().toISOString(),
      input.inReplyToAccount,
      input.reblogAuthor,
      JSON.stringify(input.domains),
    )
    .one();
  const facts: FeedFacts = {
    blocked: row.blocked === 1,
    follow: row.follow ? (JSON.parse(row.follow) as Follow) : null,
    exclusive: row.exclusive === 1,
    blockedOrMuted: row.blocked_or_muted === 1,
    followsParent: row.follows_parent === 1,
    reblogAuthorBlocksMe: row.reblog_blocks_me === 1,
    lists: JSON.parse(row.lists) as FeedFacts["lists"],
    hasFilters: row.has_filters === 1,
    domainBlocked: row.domain_blocked === 1,
  };
  return { facts, mutesChangeAt: row.mutes_change_at ? Date.parse(row.mutes_change_at) : Infinity };
}

/** The newest status id among this account's favourites, bookmarks and boosts ("" if none). */
function newestInteraction(sql: SqlStorage): string {
  // As text: the ids are 64-bit, beyond a JS number's exact range.
  const row = sql
    .exec<{ id: string | null }>(
      `SELECT CAST(max(n) AS TEXT) AS id FROM (
         SELECT max(CAST(status_id AS INTEGER)) AS n FROM favourites
         UNION ALL SELECT max(CAST(status_id AS INTEGER)) FROM bookmarks
         UNION ALL SELECT max(CAST(reblog_of_id AS INTEGER)) FROM statuses WHERE reblog_of_id IS NOT NULL)`,
    )
    .one();
  return row.id ?? "";
}
