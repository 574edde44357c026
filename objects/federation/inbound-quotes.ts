import type { QuoteRecord, StatusRecord } from "../../schemas/records";
import type { Origin } from "../../core/serializers/account";
import { statusUri } from "../../core/serializers/status";
import { accountStub } from "../../core/stubs";
import { fetchActivityDocument, fetchPolicy } from "../../lib/federation/safe-fetch";
import { instanceActorSigner } from "./instance-actor-object";
import { idOf, sameHost, typeOf } from "./handlers/common";
import type { RemoteActor } from "./actor-document";

/**
 * The quote a remote note carries (FEP-044f, and the older `quoteUri`/`_misskey_quote`): it
 * stands only with the quoted author's authorization. A self-quote needs none; a quote of one of
 * our statuses needs one we issued (a QuoteRequest we accepted); a quote of another server's
 * status needs a stamp from that server naming this note and that status. Anything else,
 * legacy quotes included, stays `pending`, as Mastodon shows them.
 */
export interface QuoteInput {
  env: Env;
  o: Origin;
  /** The quoting note's id and its stamp. */
  uri: string;
  authorization: string | null;
  author: RemoteActor;
  /** The quoted status, resolved (null when it could not be had). */
  quoted: StatusRecord | null;
  quotedUri: string;
}

export async function inboundQuote(q: QuoteInput): Promise<QuoteRecord> {
  const quoted = q.quoted?.reblog ?? q.quoted;
  if (!quoted) return { state: "pending", quoted_status_id: null, quoted_uri: q.quotedUri, quoted_status: null };
  const snapshot = quoted.quote ? { ...quoted, quote: { ...quoted.quote, quoted_status: null } } : quoted;
  const base = { quoted_status_id: quoted.id, quoted_uri: quoted.uri ?? statusUri(q.o, quoted), quoted_status: snapshot };
  if (quoted.account.id === q.author.id) return { state: "accepted", ...base };
  if (!q.authorization) return { state: "pending", ...base };
  const valid = quoted.account.domain === null ? await ourStampHolds(q, quoted) : await theirStampHolds(q, quoted);
  return valid ? { state: "accepted", ...base, authorization: q.authorization } : { state: "pending", ...base };
}

/** One of our statuses: the stamp must be one we serve, for this note, still standing. */
async function ourStampHolds(q: QuoteInput, quoted: StatusRecord): Promise<boolean> {
  const prefix = `${statusUri(q.o, quoted)}/quotes/`;
  if (!q.authorization!.startsWith(prefix)) return false;
  const key = q.authorization!.slice(prefix.length);
  if (!/^\d{1,20}$/.test(key)) return false;
  return accountStub(q.env, quoted.account.id).quoteStampHolds(quoted.id, key, q.uri);
}

/** Another server's status: its stamp is fetched from its author's host and must name both notes. */
async function theirStampHolds(q: QuoteInput, quoted: StatusRecord): Promise<boolean> {
  const authorUri = quoted.account.uri;
  if (!authorUri || !sameHost(q.authorization!, authorUri)) return false;
  try {
    const { document } = await fetchActivityDocument(q.authorization!, fetchPolicy(q.env), { signer: instanceActorSigner(q.env, q.o.origin) });
    return (
      typeOf(document) === "QuoteAuthorization" &&
      idOf(document.attributedTo) === authorUri &&
      idOf(document.interactingObject) === q.uri &&
      idOf(document.interactionTarget) === quoted.uri
    );
  } catch {
    return false;
  }
}

/** A stored remote note quoting one of our statuses: the quoted author lists it (and counts and notifies when it stands). */
export async function registerInboundQuote(env: Env, quoting: StatusRecord): Promise<void> {
  const author = quoting.quote?.quoted_status?.account;
  if (!author || author.domain !== null || quoting.quote?.state === "rejected") return;
  await accountStub(env, author.id).receiveQuote(quoting);
}
