import { toSnapshot, type AccountSnapshot } from "../../schemas/records";
import { accountStub } from "../../core/stubs";
import type { AccountHost } from "./host";
import { accountJobs } from "./jobs";
import { queueDirectorySync } from "./directory-sync";
import { queueProfileUpdate } from "./federation-out";
import { localAccountIds } from "../federation/account-owners";

/**
 * Other accounts keep a copy of this account's profile in their graph tables (who they follow,
 * who follows them, requests, blocks, endorsements) and their featured collections: lists and familiar followers are served
 * from those copies. When the profile changes, a durable job sends the new snapshot to every
 * account related to this one, a page at a time. Idempotent: the latest snapshot always wins.
 */
const PAGE = 200;
const PARALLEL = 50;

interface CopiesJob {
  /** Paging cursor over related account ids (text order). */
  after: string;
}

/**
 * After a profile change (update_credentials, avatar/header removal): directory and copies;
 * an account that is no longer locked also accepts its pending follow requests (graph.ts).
 */
export async function profileChanged(host: AccountHost): Promise<void> {
  host.storage.transactionSync(() => {
    queueDirectorySync(host);
    host.enqueue("profile.copies", { after: "" } satisfies CopiesJob);
    queueProfileUpdate(host);
    const unlockedWithRequests = host.sql
      .exec("SELECT 1 FROM account WHERE locked = 0 AND EXISTS (SELECT 1 FROM follow_requests)")
      .toArray().length;
    if (unlockedWithRequests) host.enqueue("graph.acceptRequests", {});
  });
  await host.wake();
}

accountJobs.register("profile.copies", async (host, job: CopiesJob) => {
  const record = host.record();
  if (!record) return;
  const related = host.sql
    .exec<{ id: string }>(
      `SELECT id FROM (
         SELECT account_id AS id FROM followers UNION SELECT account_id FROM following
         UNION SELECT account_id FROM follow_requests UNION SELECT account_id FROM blocked_by
         UNION SELECT owner_id FROM featured_in
       ) WHERE id > ? ORDER BY id LIMIT ?`,
      job.after,
      PAGE,
    )
    .toArray()
    .map((r) => r.id);
  const snapshot = toSnapshot(record);
  // Remote accounts hear of profile changes by an Update activity (federation-out.ts), not here.
  const local = await localAccountIds(host.env, related);
  for (let i = 0; i < local.length; i += PARALLEL) {
    await Promise.all(local.slice(i, i + PARALLEL).map((id) => accountStub(host.env, id).refreshAccountCopy(snapshot)));
  }
  if (related.length === PAGE) {
    host.enqueue("profile.copies", { after: related[related.length - 1] } satisfies CopiesJob);
    await host.wake();
  }
});

/** Where a remote account wants deliveries (its actor document's inbox and shared inbox). */
export interface RemoteInboxes {
  inbox: string;
  sharedInbox: string | null;
}

/**
 * The receiving side: replace our copies of `snapshot`'s account. A remote account's refreshed
 * actor document also says where it now takes deliveries, so a server move is followed.
 */
export function refreshAccountCopy(sql: SqlStorage, snapshot: AccountSnapshot, inboxes?: RemoteInboxes): void {
  const json = JSON.stringify(snapshot);
  for (const table of ["following", "followers", "follow_requests", "blocks", "mutes", "endorsements", "collection_items"]) {
    sql.exec(`UPDATE ${table} SET snapshot = ? WHERE account_id = ?`, json, snapshot.id);
  }
  if (inboxes) {
    sql.exec("UPDATE remote_followers SET inbox = ?, shared_inbox = ? WHERE account_id = ?", inboxes.inbox, inboxes.sharedInbox, snapshot.id);
  }
}
