import type { AccountSnapshot, PollRecord, StatusRecord } from "../../schemas/records";
import { fail, ok, type Result } from "../../lib/result";
import { writeInteractionRow } from "../account/status-rows";

import { deletedActor } from "./remote-relations";
import { hydrate, NOT_FOUND, rowById, THREAD_SYNC_JOB, visibleRows, type RemoteHost } from "./remote-statuses";
import type { Interaction, InteractionOutcome } from "../../schemas/calls";

/**
 * Local accounts' interactions with remote statuses, on the author's side (the remote author's
 * object): who favourited, boosted, bookmarked, voted or replied here, and the counts we show.
 * Same contract as the account object's `receiveInteraction` (objects/account/interactions.ts).
 */

const NOT_ALLOWED = "This action is not allowed";
/** Kinds that only undo or bookkeep: no visibility check, no redirect from a boost. */
const BOOKKEEPING = new Set(["unreblog", "reply", "unreply"]);

/** A boost's id redirects to the boosted status. Idempotent. */
export async function receiveInteraction(host: RemoteHost, interaction: Interaction, actor: AccountSnapshot): Promise<Result<InteractionOutcome>> {
  const sql = host.sql;
  const row = rowById(sql, interaction.statusId);
  if (!row || !host.actor() || deletedActor(sql)) return fail(404, NOT_FOUND);
  const [record] = hydrate(host, [row]);
  if (record.reblog && !BOOKKEEPING.has(interaction.kind)) {
    return ok({ status: record, redirect: { id: record.reblog.id, accountId: record.reblog.account.id }, reblogId: null });
  }
  if (!BOOKKEEPING.has(interaction.kind) && visibleRows(sql, actor.id, [row]).length === 0) return fail(404, NOT_FOUND);
  if (interaction.kind === "reblog" && (record.visibility === "private" || record.visibility === "direct")) return fail(403, NOT_ALLOWED);
  if (interaction.kind === "vote") {
    const refused = voteRefusal(sql, record, interaction.choices, actor);
    if (refused) return refused;
  }
  let reblogId: string | null = null;
  host.storage.transactionSync(() => {
    if (writeInteraction(sql, interaction, actor, record) && (row.in_reply_to_id !== null || row.replies_count > 0)) {
      host.enqueue(THREAD_SYNC_JOB, { id: row.id });
    }
    if (interaction.kind === "reblog") {
      reblogId = sql.exec<{ reblog_id: string }>("SELECT reblog_id FROM reblogged_by WHERE status_id = ? AND account_id = ?", row.id, actor.id).one().reblog_id;
    }
  });
  await host.wake();
  return ok({ status: hydrate(host, [rowById(sql, row.id)!])[0], redirect: null, reblogId });
}

function voteRefusal(sql: SqlStorage, status: StatusRecord, choices: number[], actor: AccountSnapshot): Result<never> | null {
  const poll = status.poll;
  if (!poll) return fail(404, NOT_FOUND);
  const invalid = (why: string) => fail(422, `Validation failed: ${why}`);
  if (poll.expires_at && Date.parse(poll.expires_at) <= Date.now()) return invalid("The poll has already ended");
  const inRange = choices.every((c) => Number.isInteger(c) && c >= 0 && c < poll.options.length);
  if (choices.length === 0 || !inRange || new Set(choices).size !== choices.length) return invalid("The chosen vote option does not exist");
  const voted = sql.exec("SELECT 1 FROM poll_votes WHERE status_id = ? AND account_id = ? LIMIT 1", status.id, actor.id).toArray().length > 0;
  if (voted || (!poll.multiple && choices.length > 1)) return invalid("You have already voted on this poll");
  return null;
}

/** Kinds whose counts show in threads (the thread copy is synced when they change). */
const THREADED_COUNTS = new Set(["favourite", "unfavourite", "reblog", "unreblog", "reply", "unreply"]);

/** Writes one interaction; true when a count shown in threads changed. Inside a transaction. */
function writeInteraction(sql: SqlStorage, interaction: Interaction, actor: AccountSnapshot, status: StatusRecord): boolean {
  if (interaction.kind === "vote") {
    countVotes(sql, status, actor.id, interaction.choices);
    return false;
  }
  return writeInteractionRow(sql, interaction, actor) && THREADED_COUNTS.has(interaction.kind);
}

/** A local vote on a remote poll shows at once; the author's next Update replaces the tallies. */
function countVotes(sql: SqlStorage, status: StatusRecord, accountId: string, choices: number[]): void {
  const poll = status.poll!;
  const firstVote = sql.exec("SELECT 1 FROM poll_votes WHERE status_id = ? AND account_id = ? LIMIT 1", status.id, accountId).toArray().length === 0;
  let added = 0;
  const options = poll.options.map((o) => ({ ...o }));
  for (const c of choices) {
    if (sql.exec("INSERT OR IGNORE INTO poll_votes (status_id, account_id, choice) VALUES (?, ?, ?)", status.id, accountId, c).rowsWritten) {
      options[c].votes_count++;
      added++;
    }
  }
  if (!added) return;
  const next: PollRecord = { ...poll, options, votes_count: poll.votes_count + added, voters_count: poll.voters_count + (firstVote ? 1 : 0) };
  sql.exec("UPDATE statuses SET snapshot = json_set(snapshot, '$.poll', json(?)) WHERE id = ?", JSON.stringify(next), status.id);
}

