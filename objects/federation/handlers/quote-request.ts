import { accountStub } from "../../../core/stubs";
import { idOf, knownStatus, originOf, sameHost, senderOf } from "./common";
import { inboxHandlers } from "./registry";

/**
 * QuoteRequest (FEP-044f) for one of our statuses: its author's object decides by the status's
 * quote policy and answers with an Accept carrying a QuoteAuthorization, or a Reject
 * (objects/account/quote-federation.ts). The quoting note must be the sender's. Idempotent.
 */
inboxHandlers.register("QuoteRequest", async (ctx) => {
  const quotedUri = idOf(ctx.activity.object);
  const quotingUri = idOf(ctx.activity.instrument);
  if (!quotedUri || !quotingUri || !sameHost(quotingUri, ctx.actor)) return;
  const quoted = await knownStatus(ctx.env, originOf(ctx), quotedUri);
  if (!quoted || quoted.actorUri) return;
  const sender = await senderOf(ctx);
  if (!sender) return;
  const request = { id: ctx.activity.id, actor: sender.uri, object: quotedUri, instrument: quotingUri };
  const answered = await accountStub(ctx.env, quoted.accountId).receiveQuoteRequest(quoted.id, request, { ...sender.account, uri: sender.uri });
  if (!answered.ok && answered.status >= 500) throw new Error(`quote request for ${quoted.id}: ${answered.error}`);
});
