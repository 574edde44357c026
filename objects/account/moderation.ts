import { fail, ok, type Result } from "../../lib/result";
import type { AccountRecord, ModerationChange, ModerationState, ModerationView } from "../../schemas/records";
import { publicTimelineStub, tagTimelineStub, threadStub } from "../../core/stubs";
import type { AuthorState } from "../timeline/timeline-object";
import type { AccountHost } from "./host";
import { accountJobs } from "./jobs";
import { readAccountRow, toAccountRecord, type AccountRow } from "./records";
import { profileChanged } from "./profile-copies";

/**
 * What moderators do to a local account (the directory decides, this object enforces):
 * suspension (tokens, sessions and codes revoked, sign-in refused, the account and its statuses
 * hidden, a minimal actor federated by Update), silencing (off the instance's timelines,
 * trends and search), sensitizing (new media marked sensitive) and disabling (sign-in and
 * tokens refused, nothing hidden). Every change is reversible.
 */
export function moderationStateSchema(sql: SqlStorage): void {
  sql.exec("ALTER TABLE account ADD COLUMN suspended_at TEXT");
  sql.exec("ALTER TABLE account ADD COLUMN silenced_at TEXT");
  sql.exec("ALTER TABLE account ADD COLUMN sensitized_at TEXT");
  sql.exec("ALTER TABLE account ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0");
}

export const LOGIN_DISABLED = "Your login is currently disabled";
const TIMELINES_JOB = "moderation.timelines";
const TAGS_PER_RUN = 50;

export function moderationStateOf(row: AccountRow): ModerationState {
  return {
    suspendedAt: row.suspended_at ?? null,
    silencedAt: row.silenced_at ?? null,
    sensitizedAt: row.sensitized_at ?? null,
    disabled: row.disabled === 1,
  };
}

/** The record with what only moderators see, or null if no account lives here. */
export function moderationView(host: AccountHost): ModerationView | null {
  const row = readAccountRow(host.sql);
  if (!row) return null;
  return { account: toAccountRecord(row), reason: (row.registration_reason as string | null) ?? null, moderation: moderationStateOf(row) };
}

/** Whether tokens and sign-in are refused: suspended or disabled (Mastodon's `functional?`). */
export function loginDisabled(account: Pick<AccountRecord, "suspended" | "login_disabled">): boolean {
  return !!account.suspended || !!account.login_disabled;
}

/** Whether new media of this account is marked sensitive. */
export function sensitized(host: AccountHost): boolean {
  return !!readAccountRow(host.sql)?.sensitized_at;
}

interface TimelinesJob {
  state: AuthorState;
  /** Tags done so far (text order); null: the public timeline is next. */
  after: string | null;
  /** Then the threads it posted in (conversation ids done so far, text order). */
  threadsAfter?: string;
}

/** Applies a moderator's change (idempotent), then tells whoever shows this account. */
export async function applyModeration(host: AccountHost, change: ModerationChange): Promise<Result<ModerationView>> {
  const before = readAccountRow(host.sql);
  if (!before) return fail(404, "Record not found");
  const now = new Date().toISOString();
  const stamp = (on: boolean | undefined, current: string | null | undefined) => (on === undefined ? (current ?? null) : on ? (current ?? now) : null);
  const suspendedAt = stamp(change.suspended, before.suspended_at);
  const silencedAt = stamp(change.silenced, before.silenced_at);
  const stateOf = (suspended: unknown, silenced: unknown): AuthorState => (suspended ? "suspended" : silenced ? "silenced" : null);
  const wasState = stateOf(before.suspended_at, before.silenced_at);
  const state = stateOf(suspendedAt, silencedAt);
  let revoked: string[] = [];
  host.storage.transactionSync(() => {
    host.sql.exec(
      "UPDATE account SET suspended_at = ?, silenced_at = ?, sensitized_at = ?, disabled = ?",
      suspendedAt,
      silencedAt,
      stamp(change.sensitized, before.sensitized_at),
      change.disabled === undefined ? (before.disabled ?? 0) : change.disabled ? 1 : 0,
    );
    if (change.suspended) revoked = revokeAccess(host.sql);
    if (state !== wasState) host.enqueue(TIMELINES_JOB, { state, after: null } satisfies TimelinesJob);
  });
  for (const hash of revoked) host.streams.closeRevoked(hash);
  // Suspension and its reversal change what others see: directory, copies, and an Update(actor).
  if (!!suspendedAt !== !!before.suspended_at || !!silencedAt !== !!before.silenced_at) await profileChanged(host);
  else await host.wake();
  return ok(moderationView(host)!);
}

/** Mastodon's suspension signs the account out everywhere: tokens, sessions, codes, push. */
function revokeAccess(sql: SqlStorage): string[] {
  const hashes = sql.exec<{ hash: string }>("SELECT hash FROM tokens").toArray().map((r) => r.hash);
  for (const table of ["tokens", "sessions", "auth_codes", "push_subscriptions"]) sql.exec(`DELETE FROM ${table}`);
  return hashes;
}

/**
 * Hides (suspended), limits (silenced) or shows again this account's entries on the public
 * timeline and on the hashtag timelines it posted to, then in the threads it posted in (hidden
 * when suspended), a page of tags or threads per run. The entries stay, so lifting it restores them.
 */
accountJobs.register(TIMELINES_JOB, async (host, job: TimelinesJob) => {
  const id = host.accountId();
  if (job.after === null) {
    await publicTimelineStub(host.env).moderateAuthor(id, job.state);
    host.enqueue(TIMELINES_JOB, { state: job.state, after: "" } satisfies TimelinesJob);
    return;
  }
  if (job.threadsAfter !== undefined) {
    const threads = host.sql
      // Only threads that exist: this account replied in them, or was replied to.
      .exec<{ c: string }>(
        `SELECT DISTINCT conversation_id AS c FROM statuses
         WHERE (in_reply_to_id IS NOT NULL OR replies_count > 0) AND conversation_id > ? ORDER BY conversation_id LIMIT ?`,
        job.threadsAfter,
        TAGS_PER_RUN,
      )
      .toArray()
      .map((r) => r.c);
    await Promise.all(threads.map((c) => threadStub(host.env, c).suspendAuthor(id, job.state === "suspended")));
    if (threads.length === TAGS_PER_RUN) host.enqueue(TIMELINES_JOB, { ...job, threadsAfter: threads[threads.length - 1] } satisfies TimelinesJob);
    return;
  }
  const tags = host.sql
    .exec<{ tag: string }>("SELECT DISTINCT tag FROM status_tags WHERE tag > ? ORDER BY tag LIMIT ?", job.after, TAGS_PER_RUN)
    .toArray()
    .map((r) => r.tag);
  await Promise.all(tags.map((tag) => tagTimelineStub(host.env, tag).moderateAuthor(id, job.state)));
  const next = tags.length === TAGS_PER_RUN ? { state: job.state, after: tags[tags.length - 1] } : { state: job.state, after: "", threadsAfter: "" };
  host.enqueue(TIMELINES_JOB, next satisfies TimelinesJob);
});
