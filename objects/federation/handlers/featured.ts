import { remoteActorStub } from "../../../core/stubs";
import { fetchNote, ingestNote, PARENT_DEPTH } from "../inbound-notes";

import { idOf, originOf, sameHost, senderOf } from "./common";
import type { InboxContext } from "./registry";
import type { RemoteActor } from "../actor-document";

/**
 * Add/Remove on the sender's featured collection: pinning and unpinning one of its statuses
 * (fetched from its origin when we do not hold it yet). Other collections are ignored.
 */
export async function featuredChange(ctx: InboxContext, pinned: boolean): Promise<void> {
  const statusUri = idOf(ctx.activity.object);
  const collection = idOf(ctx.activity.target);
  if (!statusUri || !collection || !sameHost(statusUri, ctx.actor)) return;
  const actor = await senderOf(ctx);
  if (!actor || !actor.featured || collection !== actor.featured) return;
  const actorObject = remoteActorStub(ctx.env, actor.uri);
  if (await actorObject.setPinned(statusUri, pinned)) return;
  if (!pinned || (await actorObject.statusByUri(statusUri))) return;
  await pinUnknown(ctx, actor, statusUri);
}

async function pinUnknown(ctx: InboxContext, actor: RemoteActor, statusUri: string): Promise<void> {
  const c = { env: ctx.env, o: originOf(ctx) };
  const fetched = await fetchNote(c, statusUri);
  if (!fetched || fetched.author.uri !== actor.uri) return;
  await ingestNote(c, fetched.object, actor, { fanout: false, depth: PARENT_DEPTH, pinned: true });
}
