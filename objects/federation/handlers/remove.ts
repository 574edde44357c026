import { featuredChange } from "./featured";
import { inboxHandlers } from "./registry";

/** Remove from the sender's featured collection: an unpin (featured.ts). */
inboxHandlers.register("Remove", (ctx) => featuredChange(ctx, false));
