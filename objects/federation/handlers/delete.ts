import { remoteActorStub } from "../../../core/stubs";
import { objectIdOf, inboxHandlers } from "./registry";
import { sameHost } from "./common";
import { quoteRevoked } from "./quote-answers";

/**
 * Delete of one of the sender's statuses (Tombstone or id) or of the sender itself. A status
 * leaves every place it went (remote-statuses.ts removeStatus); an actor's statuses and follows
 * go in a durable cascade. Only the sender's own objects: a Delete naming someone else's status
 * finds nothing in the sender's object. The registry remembers the id first (Delete before
 * Create). Idempotent.
 */
inboxHandlers.register("Delete", async (ctx) => {
  if (await quoteRevoked(ctx)) return;
  const objectId = objectIdOf(ctx.activity);
  if (!objectId || !sameHost(objectId, ctx.actor)) return;
  const actorObject = remoteActorStub(ctx.env, ctx.actor);
  if (objectId === ctx.actor) {
    await actorObject.actorDeleted();
    return;
  }
  await actorObject.removeStatus(objectId);
});
