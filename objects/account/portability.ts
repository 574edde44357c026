import type { AccountHost } from "./host";
import type { ImportType, PortabilityOp } from "../../schemas/portability";
import { fail, ok, type Result } from "../../lib/result";
import { getSession } from "./credentials";
import { EXPORT_SCOPES, exportCounts, exportCsv } from "./exports";
import { createImport, importDetail, importFailuresCsv, listImports } from "./imports";
import { archiveFile, listArchives, requestArchive } from "./archive";

/**
 * Export and import of an account's data, one op at a time, for an API token (scoped per op)
 * or the web session of the settings pages (which may do everything, as Mastodon's settings).
 */

const IMPORT_SCOPES: Record<ImportType, string> = {
  following: "write:follows",
  blocking: "write:blocks",
  muting: "write:mutes",
  domain_blocking: "write:blocks",
  bookmarks: "write:bookmarks",
  lists: "write:lists",
};

export function portabilityScope(op: PortabilityOp): string {
  switch (op.op) {
    case "export":
      return EXPORT_SCOPES[op.name];
    case "import":
      return IMPORT_SCOPES[op.type];
    default:
      // The archive holds everything the account has; its listing and counts need a full read.
      return "read";
  }
}

export async function runPortabilityOp(host: AccountHost, op: PortabilityOp): Promise<Result<unknown>> {
  switch (op.op) {
    case "export":
      return ok(exportCsv(host.sql, op.name, op.o));
    case "counts":
      return ok(exportCounts(host.sql));
    case "import":
      return createImport(host, op);
    case "imports":
      return ok(listImports(host.sql));
    case "importDetail":
      return importDetail(host.sql, op.id);
    case "importFailures":
      return importFailuresCsv(host.sql, op.id);
    case "requestArchive":
      return requestArchive(host, op.o);
    case "archives":
      return ok(listArchives(host.sql));
    case "archiveFile":
      return archiveFile(host, op.id);
  }
}

/** The same ops for a signed-in browser: the session must be live and the account approved. */
export async function runAsSession(host: AccountHost, session: string, op: PortabilityOp): Promise<Result<unknown>> {
  const found = await getSession(host, session);
  if (!found) return fail(401, "This action requires a signed-in session");
  if (!found.account.approved) return fail(403, "Your login is currently pending approval");
  return runPortabilityOp(host, op);
}
