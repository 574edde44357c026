import { fail, ok, type Result } from "../../lib/result";
import type { TokenRecord } from "../../schemas/records";
import type { AccountHost } from "./host";
import { follow, followingRow, unfollow } from "./graph";
import type { Viewer } from "../../schemas/auth";

/**
 * The account side of inbound federation that has no local counterpart (the rest reuses the
 * methods local peers call: receiveFollow, followAccepted, receiveInteraction...).
 */

/**
 * The actor acting for this account when federation changes its follows (a Move): no token or
 * app is involved, and graph.ts only reads the account of a viewer.
 */
const MOVE_TOKEN: TokenRecord = { client_id: "federation", app_name: "Move", app_website: null, scopes: [], created_at: 0 };

/**
 * A followed account moved (Move, with the new account listing the old one in `alsoKnownAs`):
 * follow the new account with the same options, then unfollow the old one, as Mastodon's
 * UnfollowFollowWorker. A refused follow (blocked either way) leaves the old follow in place.
 * `ok(false)` when this account did not follow `fromId` (nothing to move).
 */
export async function followMoved(host: AccountHost, fromId: string, toId: string): Promise<Result<boolean>> {
  const me = host.record();
  if (!me || !me.approved) return fail(404, "Record not found");
  const row = followingRow(host.sql, fromId);
  if (!row || fromId === toId) return ok(false);
  const viewer: Viewer = { account: me, token: MOVE_TOKEN };
  const languages = row.languages ? (JSON.parse(row.languages) as string[]) : null;
  const followed = await follow(host, viewer, toId, { reblogs: row.reblogs === 1, notify: row.notify === 1, languages });
  if (!followed.ok) return followed.status === 403 || followed.status === 422 ? ok(false) : followed;
  const unfollowed = await unfollow(host, viewer, fromId);
  return unfollowed.ok ? ok(true) : unfollowed;
}
