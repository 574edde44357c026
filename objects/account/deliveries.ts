import type { StatusRecord } from "../../schemas/records";
import type { AccountHost } from "./host";
import * as home from "./home";
import * as search from "./search";
import type { FanoutOp, StatusDeleted } from "../../schemas/calls";

/**
 * Edits and deletes that authors' objects deliver to this account, applied to home, lists,
 * notifications and the search index, and a remote author's batch of them. All idempotent.
 * New statuses go straight to home.ts `receiveStatus`.
 */
export async function receiveStatusUpdate(host: AccountHost, status: StatusRecord, quiet = false): Promise<void> {
  search.refreshMention(host.sql, status);
  await home.receiveStatusUpdate(host, status, quiet);
}

export function receiveStatusDelete(host: AccountHost, deleted: StatusDeleted): void {
  search.forgetMention(host.sql, deleted.id);
  home.receiveStatusDelete(host, deleted);
}

/** Several of one remote author's statuses at once, in order (a JSON `FanoutOp[]`). */
export async function receiveFanout(host: AccountHost, ops: string): Promise<void> {
  for (const op of JSON.parse(ops) as FanoutOp[]) {
    if (op.kind === "create") home.receiveStatus(host, op.status, "author", op.participants);
    else if (op.kind === "update") await receiveStatusUpdate(host, op.status, op.quiet);
    else receiveStatusDelete(host, op.deleted);
  }
}
