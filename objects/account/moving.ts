import { fail, ok, type Result } from "../../lib/result";
import type { AccountRecord, AccountSnapshot, TokenRecord } from "../../schemas/records";
import { localAccountIds } from "../federation/account-owners";
import { block } from "./graph";
import { accountStub } from "../../core/stubs";
import type { AccountHost } from "./host";
import { accountJobs } from "./jobs";
import { queueMove } from "./federation-out";
import { profileChanged } from "./profile-copies";

/**
 * Moving this account to another one (Mastodon's `/settings/migration`, MoveService): the target
 * must list this account's actor in its `alsoKnownAs` (the Worker fetches it fresh). The account
 * then says where it went (`movedTo`, API `moved`), a Move goes to its remote followers, an
 * Update of the actor too, and its local followers follow the target instead (a durable job,
 * Mastodon's MoveWorker). A moved account stays readable but can no longer post.
 */

/** Mastodon's AccountMigration::COOLDOWN_PERIOD: one move per 30 days. */
export const MOVE_COOLDOWN_MS = 30 * 24 * 3600 * 1000;
export const MOVE_FOLLOWERS_JOB = "account.moveFollowers";
const MOVE_BLOCKS_JOB = "account.moveBlocks";
const FOLLOWERS_PER_PAGE = 100;

/** Where the account went, and when it last moved (appended to ACCOUNT_MIGRATIONS). */
export function movingColumns(sql: SqlStorage): void {
  sql.exec("ALTER TABLE account ADD COLUMN moved_to_snapshot TEXT");
  sql.exec("ALTER TABLE account ADD COLUMN moved_at INTEGER");
}

export interface MoveInput {
  /** The target account (a local or remote snapshot, with its local id). */
  target: AccountSnapshot;
  /** The target's actor URI and its `alsoKnownAs`, as just fetched. */
  targetUri: string;
  targetAliases: string[];
  /** This account's own actor URI (the Worker knows the origin). */
  ownUri: string;
}

/** Mastodon's answer to a moved account's writes (User#functional? is false once moved). */
export function refuseIfMoved(account: AccountRecord): Result<never> | null {
  return account.moved ? fail(403, "Your login is currently disabled") : null;
}

/** What the migration page shows: where the account went, and until when it cannot move again. */
export function migrationState(host: AccountHost): { moved: AccountSnapshot | null; cooldownUntil: number | null } {
  const row = host.sql.exec<{ moved_at: number | null }>("SELECT moved_at FROM account").toArray()[0];
  const until = row?.moved_at ? row.moved_at + MOVE_COOLDOWN_MS : null;
  return { moved: host.record()?.moved ?? null, cooldownUntil: until && until > Date.now() ? until : null };
}

/** Validates the move as Mastodon's AccountMigration does, then records it and queues its effects. */
export async function moveTo(host: AccountHost, input: MoveInput): Promise<Result<AccountSnapshot>> {
  const me = host.record();
  if (!me) return fail(404, "Record not found");
  const refused = validateMove(host, me, input);
  if (refused) return refused;
  const target: AccountSnapshot = { ...input.target, moved: undefined, uri: input.targetUri };
  host.storage.transactionSync(() => {
    host.sql.exec("UPDATE account SET moved_to_snapshot = ?, moved_at = ?", JSON.stringify(target), Date.now());
    queueMove(host, input.targetUri);
    host.enqueue(MOVE_FOLLOWERS_JOB, { targetId: target.id, after: null } satisfies MoveFollowersJob);
  });
  // The actor's `movedTo` (an Update to remote followers), the directory, local copies of the profile.
  await profileChanged(host);
  return ok(target);
}

function validateMove(host: AccountHost, me: AccountRecord, input: MoveInput): Result<never> | null {
  const invalid = (message: string) => fail(422, `Validation failed: ${message}`);
  if (migrationState(host).cooldownUntil) return invalid("You are on cooldown");
  if (input.targetUri === input.ownUri || input.target.id === me.id) return invalid("Handle of the new account cannot be the current account");
  if (me.moved && (me.moved.id === input.target.id || me.moved.uri === input.targetUri)) {
    return invalid("Handle of the new account is the same account you have already moved to");
  }
  if (input.target.moved) return invalid("Handle of the new account has itself moved");
  if (!input.targetAliases.includes(input.ownUri)) return invalid("Handle of the new account is not an alias of this account");
  return null;
}

interface MoveFollowersJob {
  targetId: string;
  after: string | null;
}

/**
 * Each local follower follows the target and stops following this account (federation-in.ts
 * `followMoved`, Mastodon's UnfollowFollowWorker: a follow refused because of a block leaves the
 * old one). Remote followers are moved by their own servers on receiving the Move.
 */
accountJobs.register(MOVE_FOLLOWERS_JOB, async (host, job: MoveFollowersJob) => {
  const me = host.accountId();
  const followers = host.sql
    .exec<{ account_id: string }>(
      `SELECT account_id FROM followers WHERE inbox IS NULL AND account_id > ?
       AND account_id NOT IN (SELECT account_id FROM remote_followers) ORDER BY account_id LIMIT ?`,
      job.after ?? "",
      FOLLOWERS_PER_PAGE,
    )
    .toArray()
    .map((r) => r.account_id);
  for (const id of followers) {
    if (id === job.targetId) continue;
    const moved = await accountStub(host.env, id).followMoved(me, job.targetId);
    if (!moved.ok && moved.status >= 500) throw new Error(`moving follower ${id}: ${moved.error}`);
  }
  if (followers.length === FOLLOWERS_PER_PAGE) {
    host.enqueue(MOVE_FOLLOWERS_JOB, { targetId: job.targetId, after: followers[followers.length - 1] } satisfies MoveFollowersJob);
  } else {
    host.enqueue(MOVE_BLOCKS_JOB, { targetId: job.targetId, after: null } satisfies MoveFollowersJob);
  }
  await host.wake();
});

/**
 * Local accounts that block this one block the target too (Mastodon's MoveWorker carries blocks
 * over). Who muted this account is known only to the muters, so mutes are not carried.
 */
accountJobs.register(MOVE_BLOCKS_JOB, async (host, job: MoveFollowersJob) => {
  const me = host.accountId();
  const page = host.sql
    .exec<{ account_id: string }>("SELECT account_id FROM blocked_by WHERE account_id > ? ORDER BY account_id LIMIT ?", job.after ?? "", FOLLOWERS_PER_PAGE)
    .toArray()
    .map((r) => r.account_id);
  for (const id of await localAccountIds(host.env, page)) {
    if (id === job.targetId) continue;
    const carried = await accountStub(host.env, id).blockMoved(me, job.targetId);
    if (!carried.ok && carried.status >= 500) throw new Error(`carrying the block of ${id}: ${carried.error}`);
  }
  if (page.length === FOLLOWERS_PER_PAGE) {
    host.enqueue(MOVE_BLOCKS_JOB, { targetId: job.targetId, after: page[page.length - 1] } satisfies MoveFollowersJob);
    await host.wake();
  }
});

/** On a blocker's object: a blocked account moved; block where it went too (unless already). */
export async function blockMoved(host: AccountHost, fromId: string, toId: string): Promise<Result<boolean>> {
  const me = host.record();
  if (!me) return fail(404, "Record not found");
  const blocks = (id: string) => host.sql.exec("SELECT 1 FROM blocks WHERE account_id = ?", id).toArray().length > 0;
  if (!blocks(fromId) || blocks(toId) || toId === me.id) return ok(false);
  const blocked = await block(host, { account: me, token: MOVE_TOKEN }, toId);
  return blocked.ok ? ok(true) : blocked;
}

/** The actor of changes a move makes on others' behalf: no token or app is involved. */
const MOVE_TOKEN: TokenRecord = { client_id: "federation", app_name: "Move", app_website: null, scopes: [], created_at: 0 };
