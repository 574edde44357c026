import type { Router } from "../router";
import { receiveInboxPost } from "../federation/inbox";

/**
 * ActivityPub inboxes: each local actor's personal inbox, the shared inbox, and the instance
 * actor's inbox (treated as shared). The pipeline is in worker/federation/inbox.ts.
 */
export function registerInbox(router: Router): void {
  router.post("/users/:username/inbox", (c) => receiveInboxPost(c, c.route.username));
  router.post("/inbox", (c) => receiveInboxPost(c, null));
  router.post("/actor/inbox", (c) => receiveInboxPost(c, null));
}
