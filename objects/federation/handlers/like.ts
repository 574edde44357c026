
import { accountStub, remoteActorStub } from "../../../core/stubs";
import { locateStatusOwners } from "../../status-index/locate";
import { idOf, localStatusIdOf, originOf, senderOf } from "./common";
import { inboxHandlers, type InboxContext } from "./registry";
import type { Interaction } from "../../../schemas/calls";

/**
 * Like of a local status: a favourite by the remote account (count and notification on the
 * author's object, which checks the liker may see it). Likes of remote statuses are not ours
 * to count. The like is remembered for an Undo that names only its id. Idempotent.
 */
inboxHandlers.register("Like", async (ctx) => {
  const statusId = localStatusOf(ctx);
  if (!statusId) return;
  const liker = await senderOf(ctx);
  if (!liker) return;
  const liked = await onLocalStatus(ctx.env, statusId, { kind: "favourite" }, liker.account);
  if (!liked) return;
  await remoteActorStub(ctx.env, liker.uri).rememberActivity({ id: ctx.activity.id, kind: "Like", accountId: liked.authorId, statusId: liked.statusId });
});

export function localStatusOf(ctx: InboxContext, object: unknown = ctx.activity.object): string | null {
  const uri = idOf(object);
  return uri ? localStatusIdOf(originOf(ctx), uri) : null;
}

/**
 * Delivers an interaction to a local status's author (a boost's id stands for the boosted
 * status). Null when the status is not a local one or the author refused it.
 */
export async function onLocalStatus(
  env: Env,
  statusId: string,
  interaction: { kind: "favourite" | "unfavourite" },
  actor: Parameters<ReturnType<typeof accountStub>["receiveInteraction"]>[1],
): Promise<{ authorId: string; statusId: string } | null> {
  let target = statusId;
  for (let hop = 0; hop < 2; hop++) {
    const owner = (await locateStatusOwners(env, [target])).get(target);
    if (!owner || owner.actorUri) return null;
    const out = await accountStub(env, owner.accountId).receiveInteraction({ ...interaction, statusId: target } as Interaction, actor);
    if (!out.ok) return null;
    if (!out.value.redirect) return { authorId: owner.accountId, statusId: target };
    target = out.value.redirect.id;
  }
  return null;
}
