import type { Page } from "../../schemas/paging";
import type { QuotePolicy, StatusRecord } from "../../schemas/records";
import type { ViewedStatus } from "../../schemas/calls";
import type { Viewer } from "../../schemas/auth";
import { fail, ok, type Result } from "../../lib/result";
import { accountStub, remoteActorStub } from "../../core/stubs";
import { remoteActorUriOf } from "../federation/account-owners";
import type { AccountHost } from "./host";
import { accountJobs } from "./jobs";
import { addNotification } from "./notifications";
import { selectPage } from "./id-page";
import { ownRow } from "./status-rows";
import { NOT_FOUND } from "./status-peers";
import { rewriteOwnStatus, statusesFor, viewed } from "./statuses";
import { effectivePolicy, quotedSnapshot, QUOTERS_JOB, type QuoteChange, type QuotersPayload } from "./quote-rules";
import { snowflake } from "../../lib/ids";
import { adoptRemoteQuote, answeredQuote, queueQuoteRevocation } from "./quote-federation";

/**
 * Quote posts, both sides. As the quoted author: the list of quotes of a status, their count,
 * the `quote` notification, revoking a quote and changing a status's quote policy. As the
 * quoting author: a quoted status's edit, deletion or revocation reaches the quoting status
 * (its quote's state and snapshot) and a `quoted_update` notification.
 */

const PARALLEL_CALLS = 25;

// ----- the quoted author's side -----

/**
 * Records a status quoting one of this account's statuses, or a pending quote that now stands
 * (a remote note's stamp came with its Update). Idempotent.
 */
export async function receiveQuote(host: AccountHost, quoting: StatusRecord): Promise<void> {
  const quote = quoting.quote;
  if (!quote?.quoted_status_id || !ownRow(host.sql, quote.quoted_status_id)) return;
  const statusId = quote.quoted_status_id;
  const sql = host.sql;
  host.storage.transactionSync(() => {
    if (adoptRemoteQuote(host, quoting, statusId)) return;
    const row = sql.exec<{ state: string }>("SELECT state FROM status_quotes WHERE quoting_id = ?", quoting.id).toArray()[0];
    if (row && (row.state !== "pending" || quote.state !== "accepted")) return;
    if (row) sql.exec("UPDATE status_quotes SET state = 'accepted' WHERE quoting_id = ?", quoting.id);
    else {
      sql.exec(
        "INSERT INTO status_quotes (quoting_id, id, status_id, account_id, state, uri) VALUES (?, ?, ?, ?, ?, ?)",
        quoting.id,
        snowflake(),
        statusId,
        quoting.account.id,
        quote.state,
        quoting.uri,
      );
    }
    if (quote.state !== "accepted") return;
    sql.exec("UPDATE statuses SET quotes_count = quotes_count + 1 WHERE id = ?", statusId);
    if (quoting.account.id !== host.accountId()) addNotification(sql, { type: "quote", from: quoting.account, status: quoting });
  });
  await host.wake();
}

/** Forgets a quote whose status is gone or quotes something else now. Idempotent. */
export async function receiveUnquote(host: AccountHost, statusId: string, quotingId: string): Promise<void> {
  host.storage.transactionSync(() => {
    const row = host.sql.exec<{ state: string }>("SELECT state FROM status_quotes WHERE quoting_id = ? AND status_id = ?", quotingId, statusId).toArray()[0];
    if (!row) return;
    host.sql.exec("DELETE FROM status_quotes WHERE quoting_id = ?", quotingId);
    if (row.state === "accepted") host.sql.exec("UPDATE statuses SET quotes_count = max(quotes_count - 1, 0) WHERE id = ?", statusId);
    host.sql.exec("DELETE FROM notifications WHERE type = 'quote' AND status_id = ?", quotingId);
  });
}

/**
 * `GET /api/v1/statuses/:id/quotes`: the statuses quoting one of this account's statuses, newest
 * first. The author also sees quotes still pending; others see accepted ones. The Worker passes
 * the result through the viewer's own checks.
 */
export function statusQuotes(host: AccountHost, statusId: string, viewerId: string | null, page: Page): Result<{ status: StatusRecord; items: { cursor: string; id: string }[] }> {
  const [status] = statusesFor(host, [statusId], viewerId);
  if (!status || status.reblog) return fail(404, NOT_FOUND);
  const states = viewerId === host.accountId() ? "'accepted', 'pending'" : "'accepted'";
  const rows = selectPage<{ id: string; quoting_id: string }>(host.sql, {
    columns: "id, quoting_id",
    from: "status_quotes",
    idColumn: "id",
    filter: `status_id = ? AND state IN (${states}) AND (uri IS NULL OR quoting_id <> uri)`,
    filterParams: [statusId],
    page,
  });
  return ok({ status, items: rows.map((r) => ({ cursor: r.id, id: r.quoting_id })) });
}

/** The author takes back the authorization of a quote: the quoting status shows it as revoked. */
export async function revokeQuote(host: AccountHost, statusId: string, quotingId: string): Promise<Result<{ quotingId: string }>> {
  if (!ownRow(host.sql, statusId)) return fail(404, NOT_FOUND);
  const row = host.sql
    .exec<{ account_id: string; state: string }>("SELECT account_id, state FROM status_quotes WHERE quoting_id = ? AND status_id = ?", quotingId, statusId)
    .toArray()[0];
  if (!row) return fail(404, NOT_FOUND);
  const payload: QuotersPayload = { quotedId: statusId, change: { kind: "revoke" }, targets: [{ accountId: row.account_id, quotingId }] };
  host.storage.transactionSync(() => {
    if (row.state === "revoked") return;
    host.sql.exec("UPDATE status_quotes SET state = 'revoked' WHERE quoting_id = ?", quotingId);
    if (row.state === "accepted") host.sql.exec("UPDATE statuses SET quotes_count = max(quotes_count - 1, 0) WHERE id = ?", statusId);
    host.enqueue(QUOTERS_JOB, payload);
  });
  try {
    await tellQuoters(host, payload);
    host.sql.exec("DELETE FROM outbox WHERE kind = ? AND payload = ? AND attempts = 0", QUOTERS_JOB, JSON.stringify(payload));
  } catch (err) {
    console.warn("quote revocation deferred", quotingId, err instanceof Error ? err.message : err);
  }
  await host.wake();
  return ok({ quotingId });
}

/** `PUT /api/v1/statuses/:id/interaction_policy`: who may quote the status from now on (past quotes stay). */
export async function setQuotePolicy(host: AccountHost, viewer: Viewer, statusId: string, policy: QuotePolicy): Promise<Result<ViewedStatus>> {
  const row = ownRow(host.sql, statusId);
  if (!row || row.reblog_of_id) return fail(404, NOT_FOUND);
  await rewriteOwnStatus(host, statusId, (s) => {
    const next = effectivePolicy(s.visibility, policy);
    return s.quote_policy === next ? null : { ...s, quote_policy: next };
  });
  const [status] = statusesFor(host, [statusId], viewer.account.id);
  return ok(viewed(host, viewer.account.id, status));
}

/** Hands a change of a quoted status to every quoting status's author (local ones; remote quotes are not followed). */
async function tellQuoters(host: AccountHost, p: QuotersPayload): Promise<void> {
  for (let i = 0; i < p.targets.length; i += PARALLEL_CALLS) {
    await Promise.all(
      p.targets.slice(i, i + PARALLEL_CALLS).map(async (t) => {
        if (t.accountId === host.accountId()) return receiveQuoteChange(host, t.quotingId, p.quotedId, p.change);
        const remoteUri = await remoteActorUriOf(host.env, t.accountId);
        if (remoteUri) return revokeRemote(host, p, { id: t.accountId, uri: remoteUri }, t.quotingId);
        await accountStub(host.env, t.accountId).receiveQuoteChange(t.quotingId, p.quotedId, p.change);
      }),
    );
  }
}

/**
 * A remote quoting status learns of a revocation by the Delete of its authorization (edits reach
 * it as our Update); our copy of it shows the quote revoked at once.
 */
async function revokeRemote(host: AccountHost, p: QuotersPayload, quoter: { id: string; uri: string }, quotingId: string): Promise<void> {
  if (p.change.kind !== "revoke") return;
  const row = host.sql.exec<{ id: string; uri: string | null }>("SELECT id, uri FROM status_quotes WHERE quoting_id = ?", quotingId).toArray()[0];
  if (!row?.uri) return;
  host.storage.transactionSync(() => queueQuoteRevocation(host, quoter, p.quotedId, row.id, row.uri!));
  const copy = remoteActorStub(host.env, quoter.uri);
  const held = await copy.statusByUri(row.uri);
  if (!held?.quote || held.quote.state === "revoked") return;
  const { content, spoiler_text, sensitive, language, mentions, tags, poll, edited_at } = held;
  await copy.editStatus({ uri: row.uri, content, spoiler_text, sensitive, language, mentions, tags, poll, edited_at, audience: [], quote: { ...held.quote, state: "revoked" } });
}

accountJobs.register(QUOTERS_JOB, async (host, payload: QuotersPayload) => tellQuoters(host, payload));

// ----- the quoting author's side -----

function changedQuote(s: StatusRecord, quotedId: string, change: QuoteChange): StatusRecord | null {
  const q = s.quote;
  if (!q || q.quoted_status_id !== quotedId) return null;
  switch (change.kind) {
    case "update":
      return q.state === "accepted" ? { ...s, quote: { ...q, quoted_status: quotedSnapshot(change.status) } } : null;
    case "revoke":
      return q.state === "revoked" ? null : { ...s, quote: { ...q, state: "revoked" } };
    case "delete":
      return { ...s, quote: { ...q, state: "deleted", quoted_status: null } };
    case "accept":
      return q.state === "pending" ? { ...s, quote: { ...q, state: "accepted", authorization: change.authorization ?? null } } : null;
    case "reject":
      return q.state === "pending" || q.state === "accepted" ? { ...s, quote: { ...q, state: "rejected" } } : null;
  }
}

/**
 * A status this account quoted changed: the quoting status follows (everyone's copy of it), and
 * an edit of the quoted status brings a `quoted_update` notification.
 */
export async function receiveQuoteChange(host: AccountHost, quotingId: string, quotedId: string, change: QuoteChange): Promise<void> {
  const updated = await rewriteOwnStatus(host, quotingId, (s) => changedQuote(s, quotedId, change));
  if (!updated || change.kind !== "update" || change.status.account.id === host.accountId()) return;
  host.storage.transactionSync(() => addNotification(host.sql, { type: "quoted_update", from: change.status.account, status: change.status }));
  await host.wake();
}

/** Whether `key` (a quote's row id, or a local quoting status's id) names a standing quote of a status by `quotingUri`. */
export function quoteStampHolds(host: AccountHost, statusId: string, key: string, quotingUri: string): boolean {
  return (
    host.sql
      .exec("SELECT 1 FROM status_quotes WHERE status_id = ? AND (id = ?2 OR quoting_id = ?2) AND uri = ? AND state = 'accepted'", statusId, key, quotingUri)
      .toArray().length > 0
  );
}

/** The standing authorization of a quote of one of this account's statuses (its FEP-044f stamp), or null. */
export function quoteAuthorization(host: AccountHost, statusId: string, quotingId: string): { status: StatusRecord; quotingUri: string | null; quoterId: string } | null {
  const row = host.sql
    .exec<{ account_id: string; uri: string | null }>("SELECT account_id, uri FROM status_quotes WHERE (id = ?1 OR quoting_id = ?1) AND status_id = ?2 AND state = 'accepted'", quotingId, statusId)
    .toArray()[0];
  const [status] = row ? statusesFor(host, [statusId], null) : [];
  return row && status ? { status, quotingUri: row.uri, quoterId: row.account_id } : null;
}

/** A remote author answered our QuoteRequest (Accept with its stamp, or Reject). */
export async function receiveQuoteAnswer(host: AccountHost, quotingId: string, sender: { id: string; uri: string }, accepted: boolean, stamp: string | null): Promise<void> {
  const row = ownRow(host.sql, quotingId);
  const quoting = row ? (JSON.parse(row.snapshot) as StatusRecord) : undefined;
  if (!answeredQuote(quoting, sender.id, sender.uri, accepted ? stamp : null) || (accepted && !stamp)) return;
  const change: QuoteChange = accepted ? { kind: "accept", authorization: stamp } : { kind: "reject" };
  await receiveQuoteChange(host, quotingId, quoting!.quote!.quoted_status_id!, change);
}

/** The quoted author deleted the stamp of our quote: the quote is revoked. */
export async function receiveQuoteRevoked(host: AccountHost, quotingId: string, senderId: string, stamp: string): Promise<void> {
  const row = ownRow(host.sql, quotingId);
  const quote = row ? (JSON.parse(row.snapshot) as StatusRecord).quote : null;
  if (!quote?.quoted_status_id || quote.authorization !== stamp || quote.quoted_status?.account.id !== senderId) return;
  await receiveQuoteChange(host, quotingId, quote.quoted_status_id, { kind: "revoke" });
}
