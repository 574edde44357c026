import type { AccountHost } from "./host";
import type { Viewer } from "../../schemas/auth";
import type { AccountSnapshot, StatusRecord } from "../../schemas/records";
import type { ImportType, PortabilityOrigin } from "../../schemas/portability";
import { fail, ok, type Result } from "../../lib/result";
import { parseHandle } from "../../lib/federation/webfinger";
import { directoryStub } from "../../core/stubs";
import { statusUri } from "../../core/serializers/status";
import { resolveHandle } from "../federation/handles";
import { resolveStatus } from "../federation/inbound-notes";
import * as graph from "./graph";
import * as lists from "./lists";
import { act } from "./interactions";
import { accountAddress } from "./exports";
import { runDomainBlockOp } from "./user-domain-blocks";
import type { ImportItem } from "./import-parse";

/**
 * Applying one import row with the same operations the API uses (follow, block, mute, bookmark,
 * list membership), so federation and fan-out happen as for a click: remote accounts are found
 * through WebFinger and their actor document, posts by their URL. Also the removals an
 * `overwrite` import makes first. Every outcome is a Result whose error is the row's report.
 */

/** An address → the account's local id: ours through the directory, others through WebFinger. */
export async function resolveAddress(env: Env, o: PortabilityOrigin, acct: string): Promise<string | null> {
  const handle = parseHandle(acct.includes("@") ? acct : `${acct}@${o.domain}`);
  if (!handle) return null;
  if (handle.domain !== o.domain.toLowerCase()) return (await resolveHandle(env, o, `${handle.username}@${handle.domain}`))?.id ?? null;
  const entry = await directoryStub(env).findByUsername(handle.username);
  return entry && entry.approved ? entry.id : null;
}

function findListId(sql: SqlStorage, title: string): string | null {
  return sql.exec<{ id: string }>("SELECT id FROM lists WHERE title = ? ORDER BY id LIMIT 1", title).toArray()[0]?.id ?? null;
}

const NOT_FOUND_ACCOUNT = "Account not found";

export async function applyItem(host: AccountHost, viewer: Viewer, o: PortabilityOrigin, type: ImportType, item: ImportItem): Promise<Result<unknown>> {
  if (item.kind === "domain") return runDomainBlockOp(host, { op: "add", domain: item.domain });
  if (item.kind === "status") {
    const held = await resolveStatus({ env: host.env, o }, item.uri, 1);
    if (!held) return fail(404, "Post not found");
    return act(host, viewer, "bookmark", held.record.id);
  }
  const id = await resolveAddress(host.env, o, item.acct);
  if (!id) return fail(404, NOT_FOUND_ACCOUNT);
  if (item.kind === "listMember") return addToList(host, viewer, item.list, id);
  switch (type) {
    case "following":
      return graph.follow(host, viewer, id, { reblogs: item.reblogs, notify: item.notify, languages: item.languages });
    case "blocking":
      return graph.block(host, viewer, id);
    case "muting":
      return graph.mute(host, viewer, id, { notifications: item.hideNotifications ?? true, duration: 0 });
    default:
      return fail(422, "Unexpected row");
  }
}

/** As Mastodon: the list is found by title or made, and an account not yet followed is followed first. */
async function addToList(host: AccountHost, viewer: Viewer, title: string, accountId: string): Promise<Result<unknown>> {
  let listId = findListId(host.sql, title);
  if (!listId) {
    const created = lists.createList(host.sql, { title });
    if (!created.ok) return created;
    listId = created.value.id;
  }
  if (!graph.followingRow(host.sql, accountId) && accountId !== viewer.account.id) {
    const followed = await graph.follow(host, viewer, accountId, {});
    if (!followed.ok) return followed;
  }
  return lists.addListMembers(host, listId, [accountId]);
}

// ----- overwrite: what goes before the rows are applied -----

export type Removal =
  | { kind: "unfollow" | "unblock" | "unmute"; id: string }
  | { kind: "unbookmark"; id: string }
  | { kind: "deleteList"; id: string }
  | { kind: "unblockDomain"; domain: string };

const normalAddress = (acct: string, domain: string) => (acct.includes("@") ? acct : `${acct}@${domain}`).toLowerCase();

/** What an overwrite removes: every entry of the same kind the file does not name. */
export function overwriteRemovals(sql: SqlStorage, o: PortabilityOrigin, type: ImportType, items: ImportItem[]): Removal[] {
  const addresses = new Set(items.flatMap((i) => (i.kind === "account" || i.kind === "listMember" ? [normalAddress(i.acct, o.domain)] : [])));
  const unnamed = (table: string, kind: "unfollow" | "unblock" | "unmute"): Removal[] =>
    sql
      .exec<{ account_id: string; snapshot: string }>(`SELECT account_id, snapshot FROM ${table} ORDER BY id`)
      .toArray()
      .filter((r) => !addresses.has(accountAddress(JSON.parse(r.snapshot) as AccountSnapshot, o.domain).toLowerCase()))
      .map((r) => ({ kind, id: r.account_id }));
  switch (type) {
    case "following":
      return unnamed("following", "unfollow");
    case "blocking":
      return unnamed("blocks", "unblock");
    case "muting":
      return unnamed("mutes", "unmute");
    case "bookmarks": {
      const uris = new Set(items.flatMap((i) => (i.kind === "status" ? [i.uri] : [])));
      return sql
        .exec<{ status_id: string; snapshot: string }>("SELECT status_id, snapshot FROM bookmarks ORDER BY id")
        .toArray()
        .filter((r) => !uris.has(statusUri(o, JSON.parse(r.snapshot) as StatusRecord)))
        .map((r) => ({ kind: "unbookmark", id: r.status_id }));
    }
    case "lists": {
      const titles = new Set(items.flatMap((i) => (i.kind === "listMember" ? [i.list] : [])));
      return sql
        .exec<{ id: string; title: string }>("SELECT id, title FROM lists ORDER BY id")
        .toArray()
        .filter((r) => !titles.has(r.title))
        .map((r) => ({ kind: "deleteList", id: r.id }));
    }
    case "domain_blocking": {
      const domains = new Set(items.flatMap((i) => (i.kind === "domain" ? [i.domain] : [])));
      return sql
        .exec<{ domain: string }>("SELECT domain FROM user_domain_blocks ORDER BY id")
        .toArray()
        .filter((r) => !domains.has(r.domain))
        .map((r) => ({ kind: "unblockDomain", domain: r.domain }));
    }
  }
}

export async function applyRemoval(host: AccountHost, viewer: Viewer, removal: Removal): Promise<Result<unknown>> {
  switch (removal.kind) {
    case "unfollow":
      return (await graph.unfollow(host, viewer, removal.id)) ?? ok({});
    case "unblock":
      return graph.unblock(host, viewer, removal.id);
    case "unmute":
      return graph.unmute(host, viewer, removal.id);
    case "unbookmark":
      host.sql.exec("DELETE FROM bookmarks WHERE status_id = ?", removal.id);
      return ok({});
    case "deleteList":
      return lists.deleteList(host, removal.id);
    case "unblockDomain":
      return runDomainBlockOp(host, { op: "remove", domain: removal.domain });
  }
}
