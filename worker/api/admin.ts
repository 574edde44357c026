import type { Ctx } from "../context";
import { forbidden, notFound } from "../../lib/result";
import { requireCaller } from "../http/auth";
import { accountStub, directoryStub } from "../../core/stubs";
import { instanceSettings } from "../../core/instance-settings";
import { remoteAccountById } from "../federation/resolve";
import { serializeAdminAccount, serializeRemoteAdminAccount, type AdminAccountEntity } from "../../core/serializers/admin";
import type { ModerationView, Role } from "../../schemas/records";
import type { Viewer } from "../../schemas/auth";
import type { ModerationEntry } from "../../objects/directory/moderation";

/**
 * What the admin API families share (admin-accounts.ts, admin-reports.ts, and the /admin page):
 * the staff check, the role order Mastodon's policies compare, and Admin::Account lookups.
 */
export const NOT_ALLOWED = "This action is not allowed";
/** Mastodon: 100 per page by default, at most twice that. */
export const PAGE_DEFAULT = 100;
export const PAGE_MAX = 200;
export const DIGIT_ID = /^\d{1,19}$/;

/** Role positions: a role may act on accounts whose role it outranks (Mastodon's `overrides?`). */
const RANK: Record<Role, number> = { user: 0, moderator: 1, admin: 2, owner: 3 };

export function isStaff(role: Role): boolean {
  return RANK[role] > 0;
}

export function outranks(actor: Role, target: Role): boolean {
  return RANK[actor] > RANK[target];
}

/** A user token with the scope (or its parent, e.g. `admin:read`) whose account is staff. */
export async function requireStaff(c: Ctx, scope: string): Promise<Viewer> {
  const caller = await requireCaller(c, scope);
  if (caller.kind !== "user" || !isStaff(caller.viewer.account.role)) throw forbidden(NOT_ALLOWED);
  return caller.viewer;
}

const FALSE = new Set(["", "false", "0", "off", "no", "f"]);
/** A boolean flag: given, and not a false-looking value. */
export const flag = (v: unknown) => (typeof v === "string" ? !FALSE.has(v.trim().toLowerCase()) : v === true);
export const text = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v : undefined);

export function adminAccountOf(c: Ctx, view: ModerationView): AdminAccountEntity {
  return serializeAdminAccount(view, c, instanceSettings(c.env).languages[0] ?? "en");
}

/** Admin::Account entities of directory entries, in order (one call per account: pages are small and rare). */
export async function localAdminAccounts(c: Ctx, entries: ModerationEntry[]): Promise<AdminAccountEntity[]> {
  const found = await Promise.all(entries.map((e) => localAdminAccount(c, e.id)));
  return found.filter((a): a is AdminAccountEntity => a !== null);
}

export async function localAdminAccount(c: Ctx, id: string): Promise<AdminAccountEntity | null> {
  const view = await accountStub(c.env, id).moderationView();
  return view ? adminAccountOf(c, view) : null;
}

/** A local account known to the directory, else a known remote account, else null. */
export async function findAdminAccount(c: Ctx, id: string): Promise<AdminAccountEntity | null> {
  if (!DIGIT_ID.test(id)) return null;
  const entry = await directoryStub(c.env).moderationEntry(id);
  const local = entry ? await localAdminAccount(c, id) : null;
  if (local) return local;
  const remote = await remoteAccountById(c.env, c, id);
  return remote ? serializeRemoteAdminAccount(remote, c) : null;
}

export async function anyAdminAccount(c: Ctx, id: string): Promise<AdminAccountEntity> {
  const found = await findAdminAccount(c, id);
  if (!found) throw notFound();
  return found;
}
