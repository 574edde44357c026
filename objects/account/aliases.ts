import { fail, ok, type Result } from "../../lib/result";
import type { AccountHost } from "./host";
import { profileChanged } from "./profile-copies";

/**
 * Account aliases (Mastodon's `/settings/aliases`): the actor URIs of other accounts this one
 * says it also is, published as the actor's `alsoKnownAs`. An account that wants to move here
 * needs to be listed first. The Worker resolves the handle; this module only stores URIs.
 */

/** Mastodon keeps aliases in their own table without a cap; a profile document must stay small. */
export const MAX_ALIASES = 20;

/** The account row's column of alias URIs (appended to ACCOUNT_MIGRATIONS). */
export function aliasesColumn(sql: SqlStorage): void {
  sql.exec("ALTER TABLE account ADD COLUMN also_known_as TEXT NOT NULL DEFAULT '[]'");
}

export function aliasesOf(host: AccountHost): string[] {
  return [...(host.record()?.also_known_as ?? [])];
}

/** Adds an alias (idempotent). `ownUri` is this account's actor URI: an account is not its own alias. */
export async function addAlias(host: AccountHost, uri: string, ownUri: string): Promise<Result<string[]>> {
  if (uri === ownUri) return fail(422, "Validation failed: Also known as cannot be the current account");
  const current = aliasesOf(host);
  if (current.includes(uri)) return fail(422, "Validation failed: Also known as has already been taken");
  if (current.length >= MAX_ALIASES) return fail(422, `Validation failed: Also known as cannot list more than ${MAX_ALIASES} accounts`);
  return write(host, [...current, uri]);
}

export async function removeAlias(host: AccountHost, uri: string): Promise<Result<string[]>> {
  const current = aliasesOf(host);
  if (!current.includes(uri)) return fail(404, "Record not found");
  return write(host, current.filter((u) => u !== uri));
}

async function write(host: AccountHost, aliases: string[]): Promise<Result<string[]>> {
  host.sql.exec("UPDATE account SET also_known_as = ?", JSON.stringify(aliases));
  // Other servers read `alsoKnownAs` from the actor document: an Update tells the followers.
  await profileChanged(host);
  return ok(aliases);
}
