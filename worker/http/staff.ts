import type { Ctx } from "../context";
import { forbidden } from "../../lib/result";
import { requireCaller } from "./auth";
import type { Viewer } from "../../schemas/auth";
import type { Role } from "../../schemas/records";

/**
 * Mastodon's role permissions for the admin API families outside accounts and reports: its
 * default Moderator role may view the dashboard and manage taxonomies (trends); federation
 * (domain blocks and allows) and blocks (e-mail domains, IPs, canonical e-mails) need Admin or
 * Owner. A user token with the scope (or its parent) is required; anything else is a 403.
 */
export type Permission = "manage_federation" | "manage_blocks" | "view_dashboard" | "manage_taxonomies";

const GRANTED: Record<Role, ReadonlySet<Permission>> = {
  user: new Set(),
  moderator: new Set(["view_dashboard", "manage_taxonomies"]),
  admin: new Set(["manage_federation", "manage_blocks", "view_dashboard", "manage_taxonomies"]),
  owner: new Set(["manage_federation", "manage_blocks", "view_dashboard", "manage_taxonomies"]),
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return GRANTED[role]?.has(permission) ?? false;
}

export async function requirePermission(c: Ctx, scope: string, permission: Permission): Promise<Viewer> {
  const caller = await requireCaller(c, scope);
  if (caller.kind !== "user" || !roleAllows(caller.viewer.account.role, permission)) throw forbidden("This action is not allowed");
  return caller.viewer;
}
