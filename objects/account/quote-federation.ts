import type { AccountSnapshot, StatusRecord } from "../../schemas/records";
import { fail, ok, type Result } from "../../lib/result";
import { snowflake } from "../../lib/ids";
import { localActorUris } from "../../core/activitypub/uris";
import { acceptQuoteActivity, deleteQuoteAuthorizationActivity, quoteRequestActivity, rejectQuoteActivity, type QuoteRequestRef } from "../../core/activitypub/quotes";
import { requireInstanceOrigin } from "../federation/instance-origin";
import { actorFor, deliver, type RemoteRef } from "./federation-out";
import type { AccountHost } from "./host";
import { accountJobs } from "./jobs";
import { addNotification } from "./notifications";

/**
 * Quote posts across servers (FEP-044f), this account's half: asking a remote author for a
 * quote (QuoteRequest), answering a remote account's request for one of our statuses by policy
 * (Accept with a QuoteAuthorization we serve, or Reject), and revoking an authorization (Delete).
 */

export const QUOTE_SEND_JOB = "quote.send";
export const QUOTE_REQUEST_SUFFIX = "#quote_request";

type QuoteSend =
  | { type: "request"; target: RemoteRef; quotingId: string; quotedUri: string }
  | { type: "accept"; target: RemoteRef; request: QuoteRequestRef; statusId: string; rowId: string }
  | { type: "reject"; target: RemoteRef; request: QuoteRequestRef; seed: string }
  | { type: "revoke"; target: RemoteRef; statusId: string; rowId: string; quotingUri: string };

/** Our request to quote a remote status (the quote stays pending until the answer). Inside a transaction. */
export function queueQuoteRequest(host: AccountHost, quoting: StatusRecord, author: RemoteRef): void {
  const quotedUri = quoting.quote?.quoted_uri;
  if (quotedUri) host.enqueue(QUOTE_SEND_JOB, { type: "request", target: author, quotingId: quoting.id, quotedUri } satisfies QuoteSend);
}

/** A remote author takes back a quote of one of our statuses. Inside a transaction. */
export function queueQuoteRevocation(host: AccountHost, quoter: RemoteRef, statusId: string, rowId: string, quotingUri: string): void {
  host.enqueue(QUOTE_SEND_JOB, { type: "revoke", target: quoter, statusId, rowId, quotingUri } satisfies QuoteSend);
}

/** Who may quote under the status's policy, judged from this account's tables. */
function policyAdmits(sql: SqlStorage, s: StatusRecord, requesterId: string): boolean {
  if (s.visibility !== "public" && s.visibility !== "unlisted") return false;
  if (sql.exec("SELECT 1 FROM blocks WHERE account_id = ?", requesterId).toArray().length) return false;
  if (s.quote_policy === "public") return true;
  if (s.quote_policy === "followers") return sql.exec("SELECT 1 FROM followers WHERE account_id = ?", requesterId).toArray().length > 0;
  return false;
}

/**
 * A remote account asks to quote one of our statuses: accepted by policy (the quote is listed and
 * counted now, keyed by the quoting note's URI until the note arrives, and the author is
 * notified then) or rejected. Idempotent: a repeated request gets the same answer.
 */
export async function receiveQuoteRequest(
  host: AccountHost,
  status: StatusRecord | undefined,
  request: QuoteRequestRef,
  requester: AccountSnapshot & { uri: string },
): Promise<Result<"accepted" | "rejected">> {
  if (!status || status.reblog) return fail(404, "Record not found");
  const target = { id: requester.id, uri: requester.uri };
  const accepted = policyAdmits(host.sql, status, requester.id);
  host.storage.transactionSync(() => {
    if (!accepted) return host.enqueue(QUOTE_SEND_JOB, { type: "reject", target, request, seed: snowflake() } satisfies QuoteSend);
    const existing = host.sql.exec<{ id: string }>("SELECT id FROM status_quotes WHERE uri = ? AND status_id = ?", request.instrument, status.id).toArray()[0];
    const rowId = existing?.id ?? snowflake();
    if (!existing) {
      host.sql.exec(
        "INSERT INTO status_quotes (quoting_id, id, status_id, account_id, state, uri) VALUES (?1, ?2, ?3, ?4, 'accepted', ?1)",
        request.instrument,
        rowId,
        status.id,
        requester.id,
      );
      host.sql.exec("UPDATE statuses SET quotes_count = quotes_count + 1 WHERE id = ?", status.id);
    }
    host.enqueue(QUOTE_SEND_JOB, { type: "accept", target, request, statusId: status.id, rowId } satisfies QuoteSend);
  });
  await host.wake();
  return ok(accepted ? "accepted" : "rejected");
}

/**
 * A remote quote authorized before its note arrived takes the note's local id; its `quote`
 * notification is sent now. True when there was such a quote. Inside a transaction.
 */
export function adoptRemoteQuote(host: AccountHost, quoting: StatusRecord, statusId: string): boolean {
  if (!quoting.uri) return false;
  const adopted = host.sql.exec("UPDATE status_quotes SET quoting_id = ? WHERE uri = ?2 AND status_id = ? AND quoting_id = ?2", quoting.id, quoting.uri, statusId);
  if (!adopted.rowsWritten) return false;
  addNotification(host.sql, { type: "quote", from: quoting.account, status: quoting });
  return true;
}

/** Our QuoteRequest was answered: the quote stands (with the stamp) or is refused. */
export function answeredQuote(quoting: StatusRecord | undefined, senderId: string, senderUri: string, stamp: string | null): boolean {
  const quotedAuthor = quoting?.quote?.quoted_status?.account;
  if (!quotedAuthor || quotedAuthor.id !== senderId) return false;
  if (stamp === null) return true;
  try {
    return new URL(stamp).host === new URL(senderUri).host;
  } catch {
    return false;
  }
}

accountJobs.register(QUOTE_SEND_JOB, async (host, send: QuoteSend) => {
  const me = host.record();
  if (!me) return;
  const o = await requireInstanceOrigin(host.env);
  const actor = localActorUris(o, me.username).id;
  const remote = await actorFor(host.env, o, send.target);
  if (!remote) throw new Error(`remote actor ${send.target.uri} is unavailable`);
  const inbox = [{ inbox: remote.inbox, sharedInbox: null }];
  const stampOf = (statusId: string, rowId: string) => `${actor}/statuses/${statusId}/quotes/${rowId}`;
  switch (send.type) {
    case "request": {
      const quoting = `${actor}/statuses/${send.quotingId}`;
      const request = { id: `${quoting}${QUOTE_REQUEST_SUFFIX}`, actor, object: send.quotedUri, instrument: quoting };
      return void (await deliver(host, quoteRequestActivity(request, send.target.uri), inbox));
    }
    case "accept":
      return void (await deliver(host, acceptQuoteActivity(actor, send.request, stampOf(send.statusId, send.rowId)), inbox));
    case "reject":
      return void (await deliver(host, rejectQuoteActivity(actor, send.request, send.seed), inbox));
    case "revoke": {
      const stamp = stampOf(send.statusId, send.rowId);
      const authorization = { id: stamp, type: "QuoteAuthorization", attributedTo: actor, interactingObject: send.quotingUri, interactionTarget: `${actor}/statuses/${send.statusId}` };
      return void (await deliver(host, deleteQuoteAuthorizationActivity(actor, authorization, send.target.uri), inbox));
    }
  }
});
