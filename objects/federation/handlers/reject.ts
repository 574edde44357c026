import { answeredFollower, followEnded } from "./follow-answers";
import { senderOf } from "./common";
import { inboxHandlers } from "./registry";
import { quoteAnswer } from "./quote-answers";

/** Reject of a local account's Follow (pending or already accepted): the follow is gone. Idempotent. */
inboxHandlers.register("Reject", async (ctx) => {
  if (await quoteAnswer(ctx, false)) return;
  const follower = await answeredFollower(ctx);
  if (!follower) return;
  const followee = await senderOf(ctx);
  if (!followee) return;
  await followEnded(ctx, follower.id, followee.id, followee.uri);
});
