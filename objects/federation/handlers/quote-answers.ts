import { accountStub } from "../../../core/stubs";
import { locateStatus } from "../../status-index/locate";
import { QUOTE_REQUEST_SUFFIX } from "../../account/quote-federation";
import type { InboxContext } from "./registry";
import { idOf, isRecord, localStatusIdOf, originOf, senderOf, typeOf } from "./common";

/**
 * Accept or Reject of our QuoteRequest (FEP-044f): true when the activity answers one (then
 * the Accept and Reject handlers do nothing else). The Accept's `result` is the stamp.
 */
export async function quoteAnswer(ctx: InboxContext, accepted: boolean): Promise<boolean> {
  const object = ctx.activity.object;
  const requestId = idOf(object);
  if (!requestId?.endsWith(QUOTE_REQUEST_SUFFIX) && typeOf(object) !== "QuoteRequest") return false;
  const quotingUri = isRecord(object) ? idOf(object.instrument) : requestId!.slice(0, -QUOTE_REQUEST_SUFFIX.length);
  const quotingId = quotingUri ? localStatusIdOf(originOf(ctx), quotingUri) : null;
  const owner = quotingId ? await locateStatus(ctx.env, quotingId) : null;
  const sender = owner ? await senderOf(ctx) : null;
  if (!owner || !sender) return true;
  await accountStub(ctx.env, owner).receiveQuoteAnswer(quotingId!, { id: sender.id, uri: sender.uri }, accepted, idOf(ctx.activity.result));
  return true;
}

/**
 * Delete of a QuoteAuthorization: the quoted author revoked our quote. The Delete embeds the
 * authorization (as Mastodon sends it), which names our quoting status; the quote is revoked
 * only if it carries that very stamp. True when the activity was such a Delete.
 */
export async function quoteRevoked(ctx: InboxContext): Promise<boolean> {
  const object = ctx.activity.object;
  if (typeOf(object) !== "QuoteAuthorization" || !isRecord(object)) return false;
  const stamp = idOf(object);
  const quotingUri = idOf(object.interactingObject);
  const quotingId = quotingUri ? localStatusIdOf(originOf(ctx), quotingUri) : null;
  const owner = quotingId ? await locateStatus(ctx.env, quotingId) : null;
  const sender = owner ? await senderOf(ctx) : null;
  if (!owner || !sender || !stamp) return true;
  await accountStub(ctx.env, owner).receiveQuoteRevoked(quotingId!, sender.id, stamp);
  return true;
}
