import { remoteActorStub } from "../../../core/stubs";
import { inboundStatus, sanitizeInboundStatus } from "../../../core/activitypub/inbound";
import { ACTOR_TYPES } from "../actor-document";
import { objectOfActivity, pollRecord, resolveMentions, resolveStatus } from "../inbound-notes";
import { inboundQuote, registerInboundQuote } from "../inbound-quotes";
import type { InboundStatus } from "../../../core/activitypub/inbound";
import type { Origin } from "../../../core/serializers/account";
import type { RemoteActor } from "../actor-document";

import { isRecord, originOf, senderOf, typeOf } from "./common";
import { inboxHandlers, type InboxContext } from "./registry";
import { resolveRemoteActor } from "../remote-actors";

/**
 * Update of the sender's actor (its profile: stored from the signed document, copies refreshed)
 * or of one of its statuses (an edit, with history; new poll tallies). An Update of a status
 * we never received is ignored, as Mastodon does. Idempotent.
 */
inboxHandlers.register("Update", async (ctx) => {
  const c = { env: ctx.env, o: originOf(ctx) };
  const object = await objectOfActivity(c, ctx.activity, ctx.actor);
  if (!object) return;
  const type = typeOf(object);
  if (type && ACTOR_TYPES.has(type)) return updateActor(ctx, object);
  const author = await senderOf(ctx);
  if (!author) return;
  const parsed = inboundStatus(object, { actor: author.uri, actorFollowers: author.followers, activity: ctx.activity, local: c.o });
  if (!parsed.ok) return;
  const s = await sanitizeInboundStatus(parsed.value);
  const mentions = await resolveMentions(c, s);
  const quote = s.quote_uri ? await quoteOfUpdate(c, s, author) : undefined;
  const outcome = await remoteActorStub(ctx.env, author.uri).editStatus({
    uri: s.uri,
    content: s.content,
    spoiler_text: s.spoiler_text,
    sensitive: s.sensitive,
    language: s.language,
    mentions: mentions.records,
    tags: s.tags,
    poll: s.poll ? pollRecord("", s.poll) : null,
    attachments: s.attachments,
    edited_at: s.edited_at,
    audience: mentions.localIds,
    quote,
    quote_policy: s.quote_policy,
  });
  if (quote && outcome !== "unknown" && outcome !== "unchanged") {
    const updated = await remoteActorStub(ctx.env, author.uri).statusByUri(s.uri);
    if (updated) await registerInboundQuote(ctx.env, updated);
  }
});

/** The quote of an edited note: a stamp that came with the Update makes a pending quote stand. */
async function quoteOfUpdate(c: { env: Env; o: Origin }, s: InboundStatus, author: RemoteActor) {
  const quoted = await resolveStatus(c, s.quote_uri!, 1);
  return inboundQuote({ env: c.env, o: c.o, uri: s.uri, authorization: s.quote_authorization, author, quotedUri: s.quote_uri!, quoted: quoted?.record ?? null });
}

/** Only the actor itself; a document we cannot use makes us refetch it from its origin instead. */
async function updateActor(ctx: InboxContext, object: Record<string, unknown>): Promise<void> {
  if (object.id !== ctx.actor || !isRecord(object)) return;
  if (!(await senderOf(ctx))) return;
  const applied = await remoteActorStub(ctx.env, ctx.actor).applyActorUpdate(object);
  if (!applied.ok) await resolveRemoteActor(ctx.env, ctx.actor, { origin: ctx.origin, refresh: true });
}
