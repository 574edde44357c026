import { toSnapshot, type QuotePolicy, type QuoteRecord, type StatusRecord, type Visibility } from "../../schemas/records";
import { fail, ok, type Result } from "../../lib/result";
import { accountStub } from "../../core/stubs";
import { remoteActorUriOf } from "../federation/account-owners";
import type { AccountHost } from "./host";
import { accountJobs } from "./jobs";
import { fetchVisibleStatus } from "./status-peers";
import { instanceOrigin } from "../federation/instance-origin";
import { statusUri, statusUrl } from "../../core/serializers/status";
import { escapeHtml } from "../../lib/text";
import { queueQuoteRequest } from "./quote-federation";

/**
 * The quoting side of quote posts (Mastodon 4.5): whether a status may be quoted, the quote a
 * new or edited status carries, and telling the quoted author about it (count, `quote`
 * notification, its list of quotes). Everything the quoted author does in return is in quotes.ts.
 */

export const QUOTE_NOT_FOUND = "Validation failed: The post you are trying to quote does not appear to exist.";
export const QUOTE_REFUSED = "Validation failed: You are not allowed to quote this post";
export const QUOTE_REGISTER_JOB = "quote.register";
export const QUOTE_UNREGISTER_JOB = "quote.unregister";

/** Private and direct posts can never be quoted by others: their policy is always `nobody`. */
export function effectivePolicy(visibility: Visibility, policy: QuotePolicy): QuotePolicy {
  return visibility === "private" || visibility === "direct" ? "nobody" : policy;
}

/** The quoted status as the quote keeps it: its own quote shallow (no status inside a status inside a status). */
export function quotedSnapshot(s: StatusRecord): StatusRecord {
  if (!s.quote) return s;
  return { ...s, quote: { ...s.quote, quoted_status: null } };
}

/** Whether `quoterId` may quote `s` right away under its policy (local statuses: the policy is known). */
function allowedAtOnce(host: AccountHost, s: StatusRecord, quoterId: string): boolean {
  if (s.account.id === quoterId) return true;
  const policy = s.quote_policy ?? "nobody";
  if (policy === "public") return true;
  if (policy === "followers") return host.sql.exec("SELECT 1 FROM following WHERE account_id = ?", s.account.id).toArray().length > 0;
  return false;
}

/**
 * The quote a status of this account may carry, or a 422: the quoted status must exist, be
 * visible to this account, be public or unlisted (or its own), and its policy must admit this
 * account. A local status is accepted at once; a remote one stays pending until its author
 * answers the QuoteRequest.
 */
export async function resolveQuote(host: AccountHost, quotedId: string): Promise<Result<QuoteRecord>> {
  const me = host.accountId();
  let quoted = await fetchVisibleStatus(host, quotedId, me);
  if (quoted?.reblog) quoted = quoted.reblog;
  if (!quoted) return fail(422, QUOTE_NOT_FOUND);
  const own = quoted.account.id === me;
  if (quoted.visibility === "direct" || (!own && quoted.visibility === "private")) return fail(422, QUOTE_REFUSED);
  const remote = quoted.account.domain !== null;
  if (remote && !own) {
    if (quoted.quote_policy === "nobody") return fail(422, QUOTE_REFUSED);
  } else if (!allowedAtOnce(host, quoted, me)) {
    return fail(422, QUOTE_REFUSED);
  }
  return ok({
    state: remote ? "pending" : "accepted",
    quoted_status_id: quoted.id,
    quoted_uri: quoted.uri,
    quoted_status: quotedSnapshot(quoted),
  });
}

export const DIRECT_QUOTE_UNMENTIONED = "Validation failed: The author of the quoted post must be mentioned in a private mention quoting it";

/**
 * What quoting changes in the quoting status, as Mastodon does: quoting a private post makes
 * the quote private (at most), a direct quote must mention the quoted author, and text that
 * does not link the quoted post gets a `RE:` paragraph (class `quote-inline`, hidden by clients
 * that show the quote) so that software without quotes still shows what it answers.
 */
export async function quotingChanges(
  host: AccountHost,
  quote: QuoteRecord,
  draft: { visibility: Visibility; content: string; mentionIds: string[] },
): Promise<Result<{ visibility: Visibility; content: string }>> {
  const quoted = quote.quoted_status;
  if (!quoted) return ok({ visibility: draft.visibility, content: draft.content });
  const own = quoted.account.id === host.accountId();
  if (draft.visibility === "direct" && !own && !draft.mentionIds.includes(quoted.account.id)) return fail(422, DIRECT_QUOTE_UNMENTIONED);
  const visibility = quoted.visibility === "private" && (draft.visibility === "public" || draft.visibility === "unlisted") ? "private" : draft.visibility;
  const o = await instanceOrigin(host.env);
  const url = o ? statusUrl(o, quoted) : quoted.url;
  const uri = o ? statusUri(o, quoted) : quoted.uri;
  if (!url || draft.content.includes(url) || (uri && draft.content.includes(uri))) return ok({ visibility, content: draft.content });
  const link = escapeHtml(url);
  const inline = `<p class="quote-inline">RE: <a href="${link}">${escapeHtml(url.replace(/^https?:\/\//, ""))}</a></p>`;
  return ok({ visibility, content: inline + draft.content });
}

export interface QuoteLink {
  quotingId: string;
  quotedId: string;
  quotedAuthorId: string;
}

export function linkOf(s: StatusRecord): QuoteLink | null {
  const q = s.quote;
  if (!q || !q.quoted_status_id || !q.quoted_status) return null;
  return { quotingId: s.id, quotedId: q.quoted_status_id, quotedAuthorId: q.quoted_status.account.id };
}

/** Queues the registration of a status's quote with the quoted author; call inside the transaction. */
export function queueQuoteRegistration(host: AccountHost, s: StatusRecord): void {
  if (linkOf(s)) host.enqueue(QUOTE_REGISTER_JOB, { id: s.id });
}

/** Runs the queued registration at once; the job stays queued if this fails. */
export async function registerQuoteNow(host: AccountHost, id: string): Promise<void> {
  try {
    await registerQuote(host, id);
    host.sql.exec("DELETE FROM outbox WHERE kind = ? AND payload = ? AND attempts = 0", QUOTE_REGISTER_JOB, JSON.stringify({ id }));
  } catch (err) {
    console.warn("quote.register deferred", id, err instanceof Error ? err.message : err);
  }
}

/** The quoted author's side: a local author's object (or this one) records it; a remote author gets a QuoteRequest. */
async function registerQuote(host: AccountHost, id: string): Promise<void> {
  const row = host.sql.exec<{ snapshot: string }>("SELECT snapshot FROM statuses WHERE id = ?", id).toArray()[0];
  if (!row) return;
  const status = { ...(JSON.parse(row.snapshot) as StatusRecord), account: toSnapshot(host.record()!) };
  const link = linkOf(status);
  if (!link) return;
  if (link.quotedAuthorId === host.accountId()) return void (await host.receiveQuote(status));
  const remoteUri = await remoteActorUriOf(host.env, link.quotedAuthorId);
  if (remoteUri) {
    if (status.quote?.state !== "pending") return;
    host.storage.transactionSync(() => queueQuoteRequest(host, status, { id: link.quotedAuthorId, uri: remoteUri }));
    return void (await host.wake());
  }
  await accountStub(host.env, link.quotedAuthorId).receiveQuote(status);
}

/** The quoted author forgets a quote (the quoting status was deleted or quotes something else now). */
async function unregisterQuote(host: AccountHost, link: QuoteLink): Promise<void> {
  if (link.quotedAuthorId === host.accountId()) return host.receiveUnquote(link.quotedId, link.quotingId);
  if (await remoteActorUriOf(host.env, link.quotedAuthorId)) return;
  await accountStub(host.env, link.quotedAuthorId).receiveUnquote(link.quotedId, link.quotingId);
}

accountJobs
  .register(QUOTE_REGISTER_JOB, async (host, payload: { id: string }) => registerQuote(host, payload.id))
  .register(QUOTE_UNREGISTER_JOB, async (host, payload: QuoteLink) => unregisterQuote(host, payload));

export const QUOTERS_JOB = "quote.quoters";

/** A change of a quoted status that its quoting statuses must reflect. */
export type QuoteChange =
  | { kind: "update"; status: StatusRecord }
  | { kind: "revoke" }
  | { kind: "delete" }
  | { kind: "accept"; authorization?: string | null }
  | { kind: "reject" };

export interface QuotersPayload {
  quotedId: string;
  change: QuoteChange;
  targets: { accountId: string; quotingId: string }[];
}

/** The statuses quoting one of this account's statuses (standing quotes only, not revoked ones). */
export function quotersOf(sql: SqlStorage, statusId: string): QuotersPayload["targets"] {
  return sql
    .exec<{ account_id: string; quoting_id: string }>("SELECT account_id, quoting_id FROM status_quotes WHERE status_id = ? AND state IN ('accepted', 'pending')", statusId)
    .toArray()
    .map((r) => ({ accountId: r.account_id, quotingId: r.quoting_id }));
}

/** Queues a change for every status quoting `quotedId`; call inside the transaction of the change. */
export function queueQuotersChange(host: AccountHost, quotedId: string, change: QuoteChange): void {
  const targets = quotersOf(host.sql, quotedId);
  if (targets.length) host.enqueue(QUOTERS_JOB, { quotedId, change, targets } satisfies QuotersPayload);
}

/**
 * Quote posts: who quotes this account's statuses (`status_quotes`, one row per quoting status,
 * its id a local snowflake for paging), accepted quotes counted per status, and the account's
 * default quote policy.
 */
export function quotesSchema(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE status_quotes (
    quoting_id TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, status_id TEXT NOT NULL, account_id TEXT NOT NULL,
    state TEXT NOT NULL, uri TEXT
  )`);
  sql.exec("CREATE INDEX status_quotes_status ON status_quotes (status_id, id)");
  sql.exec("ALTER TABLE statuses ADD COLUMN quotes_count INTEGER NOT NULL DEFAULT 0");
  sql.exec("ALTER TABLE account ADD COLUMN quote_policy TEXT NOT NULL DEFAULT 'public'");
}
