import { toSnapshot } from "../../schemas/records";
import { directoryStub } from "../../core/stubs";
import type { AccountHost } from "./host";
import { accountJobs } from "./jobs";
import { lastActiveAt, recentPostsByWeek } from "./activity-figures";

/**
 * Keeps this account's entry in the directory (search, profile directory, the instance's
 * figures: statuses, last activity) current: a durable
 * job sends the whole public snapshot, so it is idempotent and the latest state always wins.
 * Bursts (many follows in a second) collapse into one job: a job not yet due absorbs later
 * requests; one already running does not, so no change is ever left unsent.
 */
const SYNC_DELAY_MS = 500;

/** Queues the sync; call inside the transaction of the change (then `wake()`). */
export function queueDirectorySync(host: AccountHost): void {
  const waiting = host.sql
    .exec("SELECT 1 FROM outbox WHERE kind = 'directory.sync' AND attempts = 0 AND next_at > ? LIMIT 1", Date.now())
    .toArray().length;
  if (!waiting) host.enqueue("directory.sync", {}, Date.now() + SYNC_DELAY_MS);
}

/** Queues the sync and makes sure the alarm runs it: for changes made outside a transaction. */
export async function requestDirectorySync(host: AccountHost): Promise<void> {
  queueDirectorySync(host);
  await host.wake();
}

accountJobs.register("directory.sync", async (host) => {
  const record = host.record();
  if (!record) return;
  await directoryStub(host.env).syncProfile(toSnapshot(record), { lastActiveAt: lastActiveAt(host.sql), posts: recentPostsByWeek(host.sql) });
});
