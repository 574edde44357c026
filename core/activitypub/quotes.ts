import { withContext } from "../../lib/federation/context";
import type { Activity } from "./activities";

/**
 * The activities of quote posts (FEP-044f): a QuoteRequest to the quoted author, its Accept
 * (with the QuoteAuthorization as `result`) or Reject, and the Delete of an authorization that
 * revokes it. Pure; ids are derived from the caller's row ids.
 */
export interface QuoteRequestRef {
  id: string;
  /** Who asks (the quoting author's actor URI). */
  actor: string;
  /** The quoted status. */
  object: string;
  /** The quoting status. */
  instrument: string;
}

function activity(fields: Activity): Activity {
  return withContext(fields) as unknown as Activity;
}

export function quoteRequestActivity(request: QuoteRequestRef, quotedAuthor: string): Activity {
  return activity({ id: request.id, type: "QuoteRequest", actor: request.actor, to: [quotedAuthor], object: request.object, instrument: request.instrument });
}

function embeddedRequest(r: QuoteRequestRef) {
  return { id: r.id, type: "QuoteRequest", actor: r.actor, object: r.object, instrument: r.instrument };
}

export function acceptQuoteActivity(actor: string, request: QuoteRequestRef, stamp: string): Activity {
  return activity({ id: `${stamp}#accept`, type: "Accept", actor, to: [request.actor], object: embeddedRequest(request), result: stamp });
}

export function rejectQuoteActivity(actor: string, request: QuoteRequestRef, localId: string): Activity {
  return activity({ id: `${actor}#rejects/quote_requests/${localId}`, type: "Reject", actor, to: [request.actor], object: embeddedRequest(request) });
}

/** The revoked authorization is embedded whole, so the quoting server finds its status without a lookup by stamp. */
export function deleteQuoteAuthorizationActivity(actor: string, authorization: Record<string, unknown> & { id: string }, quoter: string): Activity {
  return activity({ id: `${authorization.id}#delete`, type: "Delete", actor, to: [quoter], object: authorization });
}
