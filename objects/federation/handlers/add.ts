import { featuredChange } from "./featured";
import { inboxHandlers } from "./registry";

/** Add to the sender's featured collection: a pin (featured.ts). */
inboxHandlers.register("Add", (ctx) => featuredChange(ctx, true));
