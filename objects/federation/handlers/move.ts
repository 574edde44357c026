import { remoteActorStub } from "../../../core/stubs";

import { idOf, sameHost, senderOf } from "./common";
import { inboxHandlers } from "./registry";
import { resolveRemoteActor } from "../remote-actors";

/**
 * Move of the sender to another account: only when the target's own document (fetched fresh)
 * lists the sender in `alsoKnownAs`. The sender's local followers then follow the target
 * instead (a durable job of the sender's object, remote-fanout.ts). Idempotent per target.
 */
inboxHandlers.register("Move", async (ctx) => {
  const origin = idOf(ctx.activity.object);
  const targetUri = idOf(ctx.activity.target);
  if (origin !== ctx.actor || !targetUri || targetUri === origin) return;
  // Local accounts list no aliases (`alsoKnownAs`) yet: a move to one of them cannot qualify.
  if (sameHost(targetUri, ctx.origin)) return;
  if (!(await senderOf(ctx))) return;
  const target = await resolveRemoteActor(ctx.env, targetUri, { origin: ctx.origin, refresh: true });
  if (!target.ok || !target.value.alsoKnownAs.includes(origin)) return;
  await remoteActorStub(ctx.env, origin).actorMoved({ id: target.value.id, uri: target.value.uri });
  // The old actor now says where it went (`movedTo`): refresh our copy.
  await resolveRemoteActor(ctx.env, origin, { origin: ctx.origin, refresh: true });
});
