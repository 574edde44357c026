import { accountStub } from "../../core/stubs";
import type { FeaturedInNotice } from "../../schemas/collections";
import type { AccountHost } from "./host";
import { accountJobs } from "./jobs";

/**
 * A collection owner tells each featured account's object that it was added to, or taken out
 * of, a collection: a durable job, so the featured side's `featured_in` list (in_collections,
 * revoke) follows even if the object restarts. Receiving is idempotent.
 */
export type FeaturedChange = FeaturedInNotice | { removed: string };

const FEATURED_NOTICE_JOB = "collections.featured";

/** Call inside the transaction of the change, then `host.wake()`. */
export function notifyFeatured(host: AccountHost, accountId: string, change: FeaturedChange): void {
  host.enqueue(FEATURED_NOTICE_JOB, { accountId, change });
}

accountJobs.register(FEATURED_NOTICE_JOB, async (host, payload: { accountId: string; change: FeaturedChange }) => {
  if (payload.accountId === host.accountId()) receiveFeaturedChange(host, payload.change);
  else await accountStub(host.env, payload.accountId).receiveFeaturedChange(payload.change);
});

export function receiveFeaturedChange(host: AccountHost, change: FeaturedChange): void {
  if ("removed" in change) {
    host.sql.exec("DELETE FROM featured_in WHERE item_id = ?", change.removed);
    return;
  }
  host.sql.exec(
    "INSERT OR IGNORE INTO featured_in (item_id, collection_id, owner_id, created_at) VALUES (?, ?, ?, ?)",
    change.item_id,
    change.collection_id,
    change.owner_id,
    change.created_at,
  );
}
