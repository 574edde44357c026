import { answeredFollower, followEnded } from "./follow-answers";
import { senderOf } from "./common";
import { inboxHandlers } from "./registry";

/** Reject of a local account's Follow (pending or already accepted): the follow is gone. Idempotent. */
inboxHandlers.register("Reject", async (ctx) => {
  const follower = await answeredFollower(ctx);
  if (!follower) return;
  const followee = await senderOf(ctx);
  if (!followee) return;
  await followEnded(ctx, follower.id, followee.id, followee.uri);
});
