import type { StatusRecord } from "../../schemas/records";
import { CARD_WAIT_MS, LATE_CARD_DELAY_MS, withCard } from "../link-cards/status-card";
import type { AccountHost } from "./host";
import { isThreaded, ownRow } from "./status-rows";
import { SYNC_JOB } from "./statuses";

/**
 * Preview cards of this account's statuses. The fan-out jobs (fanout.ts) ask for the card of a
 * new or edited status's first link before it goes out, so every copy (followers' homes, lists,
 * public and hashtag timelines, streams) carries it from the start, and the author's own row,
 * home entry and thread snapshot get it here. A link slower than CARD_WAIT_MS does not hold the
 * status back: it goes out without, and LATE_CARD_JOB brings the card to the copies afterwards
 * (fanout.ts `fanOutLateCard`). The API answer of the post itself has no card yet, as with
 * Mastodon, whose card arrives from a background job too.
 */
export const LATE_CARD_JOB = "status.lateCard";

/** The status with its card, stored on the author's side; `waitMs` null waits for the fetch to end. */
export async function carded(host: AccountHost, status: StatusRecord, waitMs: number | null = CARD_WAIT_MS): Promise<StatusRecord> {
  const next = await withCard(host.env, status, waitMs);
  if (next.pending) {
    host.enqueue(LATE_CARD_JOB, { id: status.id }, Date.now() + LATE_CARD_DELAY_MS);
    await host.wake();
  }
  if (!next.changed) return status;
  const card = JSON.stringify(next.status.card ?? null);
  host.storage.transactionSync(() => {
    const row = ownRow(host.sql, status.id);
    if (!row) return;
    host.sql.exec("UPDATE statuses SET snapshot = json_set(snapshot, '$.card', json(?)) WHERE id = ?", card, status.id);
    host.sql.exec("UPDATE home SET snapshot = json_set(snapshot, '$.card', json(?)) WHERE id = ?", card, status.id);
    if (isThreaded(row)) host.enqueue(SYNC_JOB, { id: status.id });
  });
  return next.status;
}
