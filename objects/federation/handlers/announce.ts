import { boostRecord, type Visibility } from "../../../schemas/records";
import { snowflake } from "../../../lib/ids";
import { isPublicCollection } from "../../../lib/federation/context";
import { remoteActorStub } from "../../../core/stubs";
import { fetchNote, ingestNote, PARENT_DEPTH, resolveStatus, type HeldStatus, type IngestContext } from "../inbound-notes";

import { asArray, idOf, isRecord, localStatusIdOf, originOf, sameHost, senderOf } from "./common";
import { inboxHandlers } from "./registry";
import { resolveRemoteActor } from "../remote-actors";

/**
 * Announce: a remote boost. The boosted status is one we hold, or it is fetched from its own
 * origin: an embedded copy is trusted only when it comes from its own server (the booster is on
 * the object's host). The boost is stored on the booster's object (its id is the Announce's),
 * counted on the original (a local author is notified) and delivered to the booster's local
 * followers. Private and direct statuses cannot be boosted.
 */
inboxHandlers.register("Announce", async (ctx) => {
  const objectId = idOf(ctx.activity.object);
  if (!objectId || ctx.activity.id.startsWith("urn:")) return;
  const booster = await senderOf(ctx);
  if (!booster) return;
  const boosterObject = remoteActorStub(ctx.env, booster.uri);
  if (await boosterObject.statusByUri(ctx.activity.id)) return;
  const c = { env: ctx.env, o: originOf(ctx) };
  // As Mastodon: a boost matters here if the booster has local followers or boosts a local status.
  const local = localStatusIdOf(c.o, objectId) !== null;
  if (!local && !(await boosterObject.hasLocalFollowers())) return;
  const original = await announced(c, ctx.activity.object, objectId, ctx.actor);
  if (!original) return;
  const target = original.record.reblog ?? original.record;
  if (target.visibility !== "public" && target.visibility !== "unlisted") return;
  const published = typeof ctx.activity.published === "string" ? Date.parse(ctx.activity.published) : NaN;
  const at = Number.isFinite(published) ? Math.min(published, Date.now()) : Date.now();
  const boost = boostRecord({
    id: snowflake(at),
    uri: ctx.activity.id,
    account: booster.account,
    original: target,
    visibility: boostVisibility(ctx.activity),
    created_at: new Date(at).toISOString(),
    application: null,
  });
  const ref = original.record.reblog ? null : original.ref;
  await boosterObject.storeStatus({ record: boost, inReplyToUri: null, parent: null, reblogOf: ref, audience: [], fanout: true });
});

/** The boosted status: held, embedded by its own server, or fetched from its origin. */
async function announced(c: IngestContext, object: unknown, objectId: string, booster: string): Promise<HeldStatus | null> {
  const held = await resolveStatus(c, objectId, 0);
  if (held) return held;
  if (isRecord(object) && sameHost(objectId, booster)) {
    const authorUri = asArray(object.attributedTo).map(idOf).find((a): a is string => a !== null);
    if (authorUri && sameHost(authorUri, objectId)) {
      const author = await resolveRemoteActor(c.env, authorUri, { origin: c.o.origin });
      if (author.ok) return ingestNote(c, object, author.value, { fanout: false, depth: PARENT_DEPTH });
    }
  }
  const fetched = await fetchNote(c, objectId);
  return fetched ? ingestNote(c, fetched.object, fetched.author, { fanout: false, depth: PARENT_DEPTH }) : null;
}

/** Public in `to`: public; in `cc`: unlisted; else (followers only) private, as Mastodon reads it. */
function boostVisibility(activity: Record<string, unknown>): Visibility {
  const audience = (v: unknown) => asArray(v).map(idOf).filter((x): x is string => x !== null);
  if (audience(activity.to).some(isPublicCollection)) return "public";
  if (audience(activity.cc).some(isPublicCollection)) return "unlisted";
  return "private";
}
