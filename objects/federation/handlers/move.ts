import { accountStub, remoteActorStub } from "../../../core/stubs";
import { actorUri } from "../../../core/serializers/account";
import { toSnapshot, type AccountSnapshot } from "../../../schemas/records";

import { idOf, localAccountByUri, originOf, sameHost, senderOf } from "./common";
import { inboxHandlers, type InboxContext } from "./registry";
import { resolveRemoteActor } from "../remote-actors";

/**
 * Move of the sender to another account, as Mastodon's Move handler: the actor moves itself
 * (`object` == `actor`), and only when the target's own document, fetched fresh (or, for a
 * local target, its own record), lists the sender in `alsoKnownAs`. The sender's local
 * followers then follow the target instead (a durable job of the sender's object,
 * remote-fanout.ts; a follow refused by a block either way leaves the old one). Idempotent per
 * target; a further Move within 7 days of the last is ignored.
 */
inboxHandlers.register("Move", async (ctx) => {
  const origin = idOf(ctx.activity.object);
  const targetUri = idOf(ctx.activity.target);
  if (origin !== ctx.actor || !targetUri || targetUri === origin) return;
  if (!(await senderOf(ctx))) return;
  const target = sameHost(targetUri, ctx.origin) ? await localTarget(ctx, targetUri) : await remoteTarget(ctx, targetUri);
  if (!target || !target.alsoKnownAs.includes(origin)) return;
  await remoteActorStub(ctx.env, origin).actorMoved({ id: target.id, uri: target.uri, account: target.account });
  // The old actor now says where it went (`movedTo`): refresh our copy.
  await resolveRemoteActor(ctx.env, origin, { origin: ctx.origin, refresh: true });
});

interface MoveTarget {
  id: string;
  uri: string;
  alsoKnownAs: string[];
  account: AccountSnapshot;
}

async function localTarget(ctx: InboxContext, uri: string): Promise<MoveTarget | null> {
  const o = originOf(ctx);
  const local = await localAccountByUri(ctx.env, o, uri);
  const record = local ? await accountStub(ctx.env, local.id).get() : null;
  // A target that moved on itself is not followed (Mastodon refuses following a moved account).
  if (!record || record.moved) return null;
  return { id: record.id, uri: actorUri(o, record.username), alsoKnownAs: record.also_known_as ?? [], account: toSnapshot(record) };
}

async function remoteTarget(ctx: InboxContext, uri: string): Promise<MoveTarget | null> {
  const target = await resolveRemoteActor(ctx.env, uri, { origin: ctx.origin, refresh: true });
  if (!target.ok || target.value.movedTo) return null;
  return { id: target.value.id, uri: target.value.uri, alsoKnownAs: target.value.alsoKnownAs, account: target.value.account };
}
