import { accountStub, remoteActorStub } from "../../../core/stubs";
import { answeredFollower } from "./follow-answers";
import { senderOf } from "./common";
import { inboxHandlers } from "./registry";
import { quoteAnswer } from "./quote-answers";

/**
 * Accept of a local account's Follow: the follow becomes accepted (the follower's object says
 * whether it still wanted it) and the local follower joins the followee's audience here, so its
 * posts reach the follower's home. Idempotent. An Accept of our QuoteRequest goes to quote-answers.ts.
 */
inboxHandlers.register("Accept", async (ctx) => {
  if (await quoteAnswer(ctx, true)) return;
  const follower = await answeredFollower(ctx);
  if (!follower) return;
  const followee = await senderOf(ctx);
  if (!followee) return;
  const followeeObject = remoteActorStub(ctx.env, followee.uri);
  // Audience first: if we die before the follower's half, a retry finishes it; an extra entry is harmless.
  await followeeObject.addLocalFollower(follower.id);
  const accepted = await accountStub(ctx.env, follower.id).followAccepted(followee.account);
  if (!accepted.ok || !accepted.value) await followeeObject.removeLocalFollower(follower.id);
});
