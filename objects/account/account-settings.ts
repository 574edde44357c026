import { fail, ok, type Result } from "../../lib/result";
import type { AccountSnapshot } from "../../schemas/records";
import type { AccountHost } from "./host";
import { checkPassword, getSession } from "./credentials";
import { addAlias, aliasesOf, removeAlias } from "./aliases";
import { migrationState, moveTo, type MoveInput } from "./moving";
import { deleteSelf } from "./deletion";

/**
 * The account settings pages' operations (aliases, moving out, deleting the account), for a
 * signed-in web session: the Worker checked the form's CSRF value; the session is checked here.
 * Moving and deleting also need the password, as Mastodon's forms ask for it.
 */
export type AccountSettingsOp =
  | { op: "show" }
  | { op: "addAlias"; uri: string; ownUri: string }
  | { op: "removeAlias"; uri: string }
  | ({ op: "move"; password: string } & MoveInput)
  | { op: "delete"; password: string };

export interface AccountSettingsView {
  username: string;
  aliases: string[];
  moved: AccountSnapshot | null;
  /** Epoch ms until which another move is refused; null when a move is possible. */
  cooldownUntil: number | null;
}

export async function runAccountSettingsOp(
  host: AccountHost,
  session: string,
  op: AccountSettingsOp,
  closeStreams: (tokenHashes: string[]) => void,
): Promise<Result<AccountSettingsView | { deleted: string }>> {
  if (!(await getSession(host, session))) return fail(401, "Your session expired. Please sign in again to continue.");
  switch (op.op) {
    case "show":
      return ok(view(host));
    case "addAlias":
      return then(await addAlias(host, op.uri, op.ownUri), host);
    case "removeAlias":
      return then(await removeAlias(host, op.uri), host);
    case "move": {
      const refused = await wrongPassword(host, op.password);
      if (refused) return refused;
      return then(await moveTo(host, op), host);
    }
    case "delete": {
      const refused = await wrongPassword(host, op.password);
      if (refused) return refused;
      const deleted = await deleteSelf(host, closeStreams);
      return deleted.ok ? ok({ deleted: deleted.value.username }) : deleted;
    }
  }
}

function view(host: AccountHost): AccountSettingsView {
  const state = migrationState(host);
  return { username: host.record()?.username ?? "", aliases: aliasesOf(host), moved: state.moved, cooldownUntil: state.cooldownUntil };
}

function then<T>(result: Result<T>, host: AccountHost): Result<AccountSettingsView> {
  return result.ok ? ok(view(host)) : result;
}

/** Mastodon's form error for a wrong current password; too many failures keep their 429. */
async function wrongPassword(host: AccountHost, password: string): Promise<Result<never> | null> {
  const checked = await checkPassword(host, password);
  if (checked.ok) return null;
  return checked.status === 429 ? checked : fail(422, "Validation failed: Current password is invalid");
}
