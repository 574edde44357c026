import type { Router } from "../router";
import type { Ctx } from "../context";
import { badRequest, unauthorized, unwrap } from "../../lib/result";
import { bearerToken, requireCaller, type TokenAuth } from "../http/auth";
import { json } from "../http/respond";
import { accountStub, directoryStub, publicTimelineStub } from "../../core/stubs";
import { tokenOwner } from "../../lib/tokens";
import { compareIds } from "../../lib/ids";
import { parseAccountQuery } from "../../lib/account-search";
import { cleanSearchText, dateBounds, matchExpressions, parseSearchQuery } from "../../lib/search-query";
import { normalizeTag } from "../../lib/status-text";
import { parseOrFail } from "../../schemas/accounts";
import { searchSchema, type SearchParams } from "../../schemas/search";
import { isListedAccount, toSnapshot, type AccountSnapshot, type StatusRecord } from "../../schemas/records";
import { isOpenQuery, type StatusQuery } from "../../objects/search-index";
import type { SearchInput, SearchResult, StatusSearch } from "../../objects/account/search";
import type { AccountSearch } from "../../objects/account/graph-reads";
import { findLocalUsername } from "../directory-cache";
import { fetchStatuses } from "./statuses";
import { resolveRemoteSearch } from "../federation/resolve";
import { serializeAccount } from "../../core/serializers/account";
import { serializeViewedStatuses } from "../../core/serializers/filter";
import { serializeTag } from "../../core/serializers/tag";

/**
 * `GET /api/v2/search`: accounts, hashtags and statuses (full text, FTS5) in one Search entity.
 * Signed in, it is one RPC to the caller's object, which searches its own index, asks the
 * public timeline (public index, hashtags) and the directory (accounts), and filters statuses
 * by its rules. Anonymous callers (and app tokens) get accounts and hashtags only, as on
 * Mastodon. `resolve` finds this instance's own URLs; remote accounts and URLs need
 * federation, so for them search stays local.
 */
export function registerSearch(router: Router): void {
  router.get("/api/v2/search", search);
}

const EMPTY: SearchResult = { accounts: [], statuses: { statuses: [], flags: {}, filtered: {} }, hashtags: [] };

async function search(c: Ctx): Promise<Response> {
  const raw = await c.params();
  // Control characters and lone surrogates never reach an index (see lib/search-query.ts).
  const q = typeof raw.q === "string" ? cleanSearchText(raw.q).trim() : "";
  if (!q) throw badRequest("param is missing or the value is empty: q");
  const params = parseOrFail(searchSchema, raw);
  const caller = await searchCaller(c);
  if (!caller && params.offset !== undefined) throw unauthorized("Search queries pagination is not supported without authentication");
  if (!caller && params.resolve) throw unauthorized("Search queries that resolve remote resources are not supported without authentication");
  const result = caller ? await searchSignedIn(c, caller, q, params) : await searchAnonymously(c, q, params);
  return json({
    accounts: result.accounts.map((a) => serializeAccount(a, c)),
    statuses: caller ? serializeViewedStatuses(result.statuses, c) : [],
    hashtags: result.hashtags.map((t) => serializeTag(t.name, c, caller ? t.relation : null, t.usage)),
  });
}

/** The signed-in caller, or null: no token, or an app token (checked, then anonymous as on Mastodon). */
async function searchCaller(c: Ctx): Promise<TokenAuth | null> {
  const token = bearerToken(c);
  if (!token) return null;
  const owner = tokenOwner(token);
  if (!owner) throw unauthorized();
  if (owner.kind === "app") {
    await requireCaller(c, "read:search");
    return null;
  }
  return { token, accountId: owner.accountId };
}

async function searchSignedIn(c: Ctx, caller: TokenAuth, q: string, p: SearchParams): Promise<SearchResult> {
  const input: SearchInput = { accounts: null, resolvedAccount: null, statuses: null, resolvedStatuses: [], hashtags: null };
  if (p.resolve && /^https?:\/\//i.test(q)) {
    Object.assign(input, await resolveLocalUrl(c, q, caller));
    // Another server's URL: fetched and stored (federation, worker/federation/resolve.ts).
    if (!input.resolvedAccount && input.resolvedStatuses.length === 0) Object.assign(input, await resolveRemoteSearch(c, q));
  } else {
    input.accounts = accountSearch(c, q, p);
    input.hashtags = hashtagSearch(q, p);
    input.statuses = await statusSearch(c, caller, q, p);
    // `@user@otherdomain`: WebFinger, then the actor (federation).
    if (p.resolve && input.accounts && !input.accounts.term) Object.assign(input, await resolveRemoteSearch(c, q));
  }
  return unwrap(await accountStub(c.env, caller.accountId).searchFor(caller.token, input));
}

async function searchAnonymously(c: Ctx, q: string, p: SearchParams): Promise<SearchResult> {
  const accounts = accountSearch(c, q, p);
  const hashtags = hashtagSearch(q, p);
  const [foundAccounts, catalog] = await Promise.all([
    accounts?.term ? directoryStub(c.env).searchAccounts({ term: accounts.term, limit: accounts.limit, offset: 0, exclude: [] }) : [],
    hashtags ? publicTimelineStub(c.env).searchCatalog({ statuses: null, hashtags }) : null,
  ]);
  return { ...EMPTY, accounts: foundAccounts, hashtags: (catalog?.hashtags ?? []).map((t) => ({ ...t, relation: { following: false, featuring: false } })) };
}

/** Offsets apply only when one type is asked for (Mastodon). */
const offsetOf = (p: SearchParams) => (p.type ? (p.offset ?? 0) : 0);
const wants = (p: SearchParams, type: SearchParams["type"]) => !p.type || p.type === type;

/** Longer than any username (30) or display name could be. */
const MAX_ACCOUNT_TERM = 200;

/** Mastodon skips accounts for `#tag` and for `@` with spaces (not an address). */
function accountSearch(c: Ctx, q: string, p: SearchParams): AccountSearch | null {
  if (!wants(p, "accounts") || q.startsWith("#") || (q.includes("@") && /\s/.test(q))) return null;
  const query = parseAccountQuery(q);
  const local = query.domain === null || query.domain === c.domain.toLowerCase();
  // A term longer than any username or display name matches nothing (and would make LIKE's
  // pattern too complex for SQLite): skip the lookup rather than send it.
  const term = local && query.term.length <= MAX_ACCOUNT_TERM ? query.term : "";
  return { term, limit: p.limit, offset: offsetOf(p), following: p.following };
}

/** Hashtags by prefix; the query is normalized as a tag name (Mastodon drops other characters). */
function hashtagSearch(q: string, p: SearchParams): { prefix: string; limit: number; offset: number } | null {
  if (!wants(p, "hashtags") || q.includes("@")) return null;
  const prefix = normalizeTag(q.replace(/^#/, "")).replace(/[^\p{L}\p{M}\p{N}_]/gu, "").slice(0, 100);
  return prefix ? { prefix, limit: p.limit, offset: offsetOf(p) } : null;
}

/** Full text; skipped for `#tag` and for a bare address (Mastodon). Null when nothing can match. */
async function statusSearch(c: Ctx, caller: TokenAuth, q: string, p: SearchParams): Promise<StatusSearch | null> {
  if (!wants(p, "statuses") || q.startsWith("#") || (q.includes("@") && !/\s/.test(q))) return null;
  const parsed = parseSearchQuery(q);
  const author = await authorFilter(c, caller, parsed.from, p.account_id);
  if (author === false) return null;
  const dates = dateBounds(parsed);
  const query: StatusQuery = {
    ...matchExpressions(parsed),
    authorId: author ?? undefined,
    language: parsed.language,
    reply: parsed.reply,
    sensitive: parsed.sensitive,
    poll: parsed.poll,
    media: parsed.media,
    below: lowest(p.max_id, dates.below),
    above: highest(p.min_id, dates.above),
    ascending: p.min_id !== undefined,
  };
  if (isOpenQuery(query)) return null;
  return { query, scope: parsed.scope, limit: p.limit, offset: offsetOf(p) };
}

/**
 * The author statuses must have: `from:` and `account_id` together must agree. false when
 * no status can match (an unknown or remote `from:` account).
 */
async function authorFilter(c: Ctx, caller: TokenAuth, from: string | null, accountId: string | undefined): Promise<string | null | false> {
  let fromId: string | null = null;
  if (from === "me") fromId = caller.accountId;
  else if (from) {
    const query = parseAccountQuery(from);
    if (query.domain !== null && query.domain !== c.domain.toLowerCase()) return false;
    const entry = /^[a-z0-9_]{1,30}$/.test(query.term) ? await findLocalUsername(c.env, query.term) : null;
    if (!entry) return false;
    fromId = entry.id;
  }
  if (fromId && accountId && fromId !== accountId) return false;
  return fromId ?? accountId ?? null;
}

function lowest(a: string | undefined, b: string | undefined): string | undefined {
  return a === undefined ? b : b === undefined ? a : compareIds(a, b) <= 0 ? a : b;
}

function highest(a: string | undefined, b: string | undefined): string | undefined {
  return a === undefined ? b : b === undefined ? a : compareIds(a, b) >= 0 ? a : b;
}

/**
 * `resolve=true` with a URL: this instance's account (`/@user`, `/users/user`) and status
 * (`/@user/123`, `/users/user/statuses/123`) URLs are found; other hosts need federation.
 */
async function resolveLocalUrl(c: Ctx, q: string, caller: TokenAuth): Promise<Pick<SearchInput, "resolvedAccount" | "resolvedStatuses">> {
  const none = { resolvedAccount: null, resolvedStatuses: [] };
  let url: URL;
  try {
    url = new URL(q);
  } catch {
    return none;
  }
  if (url.host.toLowerCase() !== c.domain.toLowerCase()) return none;
  const m = url.pathname.match(/^\/(?:@|users\/)([A-Za-z0-9_]{1,30})(?:\/(?:statuses\/)?(\d{1,19}))?\/?$/);
  if (!m) return none;
  if (m[2]) return { resolvedAccount: null, resolvedStatuses: await fetchStatuses(c, [m[2]], caller.accountId) };
  const entry = await findLocalUsername(c.env, m[1]);
  const record = entry ? await accountStub(c.env, entry.id).get() : null;
  const account: AccountSnapshot | null = record && isListedAccount(record) ? toSnapshot(record) : null;
  return { resolvedAccount: account, resolvedStatuses: [] as StatusRecord[] };
}
