import type { Router } from "../router";
import type { Ctx } from "../context";
import { ApiError, unauthorized, unwrap, type Result } from "../../lib/result";
import { accountIdOf, tokenOwner } from "../../lib/tokens";
import { json, redirect } from "../http/respond";
import { bearerToken, requireUser } from "../http/auth";
import { accountStub } from "../../core/stubs";
import { instanceSettings } from "../../core/instance-settings";
import { errorPage, pageLang, pageResponse } from "../../web/layout";
import { CSRF_FIELD, csrfMatches, currentSession, readCookie, SESSION_COOKIE, type WebSession } from "../../web/session";
import { renderExportPage, renderImportDetail, renderImportPage } from "../../web/settings-data";
import { IMPORT_MAX_BYTES, IMPORT_MAX_ROWS } from "../../objects/account/import-parse";
import {
  EXPORT_NAMES,
  IMPORT_TYPES,
  type ArchiveFile,
  type ArchiveRecord,
  type ExportCounts,
  type ExportName,
  type ImportDetail,
  type ImportMode,
  type ImportRecord,
  type ImportType,
  type PortabilityCaller,
  type PortabilityOp,
} from "../../schemas/portability";

/**
 * Moving between servers: CSV exports and imports in Mastodon's formats and the account
 * archive. Scripts use `/api/v1/pronghorn/exports|imports|archives` with a bearer token (scopes
 * per data kind: `read:follows`, `write:blocks`...; the archive needs `read`); browsers use the
 * settings pages with their web session. Mastodon's own CSV paths
 * (`/settings/exports/follows.csv`...) answer to either. Every call is one RPC to the caller's
 * object (objects/account/portability.ts).
 */
export function registerSettingsData(router: Router): void {
  router.get("/api/v1/pronghorn/exports/:file", (c) => downloadCsv(c, "api"));
  router.get("/api/v1/pronghorn/imports", (c) => apiCall(c, { op: "imports" }));
  router.post("/api/v1/pronghorn/imports", apiCreateImport);
  router.get("/api/v1/pronghorn/imports/:id", (c) => apiCall(c, { op: "importDetail", id: c.route.id }));
  router.get("/api/v1/pronghorn/imports/:id/failures.csv", (c) => downloadFailures(c, "api"));
  router.get("/api/v1/pronghorn/archives", (c) => apiCall(c, { op: "archives" }));
  router.post("/api/v1/pronghorn/archives", (c) => apiCall(c, { op: "requestArchive", o: originOf(c) }, 202));
  router.get("/api/v1/pronghorn/archives/:id/download", (c) => downloadArchive(c, "api"));
  router.get("/settings/export", showExport);
  router.post("/settings/export", requestArchivePage);
  router.get("/settings/exports/:file", (c) => downloadCsv(c, "page"));
  router.get("/settings/exports/archives/:id", (c) => downloadArchive(c, "page"));
  router.get("/settings/imports", (c) => showImports(c));
  router.post("/settings/imports", createImportPage);
  router.get("/settings/imports/:id", showImport);
  router.get("/settings/imports/:id/failures.csv", (c) => downloadFailures(c, "page"));
}

/** Mastodon's download paths (`follows.csv`) and the file names it gives them (`following_accounts.csv`). */
const CSV_PATHS: Record<string, ExportName> = {
  follows: "following_accounts",
  followers: "followers",
  lists: "lists",
  blocks: "blocked_accounts",
  mutes: "muted_accounts",
  domain_blocks: "blocked_domains",
  bookmarks: "bookmarks",
};

function exportNameOf(file: string): ExportName | null {
  const base = file.endsWith(".csv") ? file.slice(0, -4) : null;
  if (!base) return null;
  return CSV_PATHS[base] ?? ((EXPORT_NAMES as readonly string[]).includes(base) ? (base as ExportName) : null);
}

const originOf = (c: Ctx) => ({ origin: c.origin, domain: c.domain, ...(c.mediaOrigin ? { mediaOrigin: c.mediaOrigin } : {}) });
const UPLOAD_BODY_BYTES = IMPORT_MAX_BYTES + 64 * 1024;

// ----- callers -----

/** A user's bearer token (app tokens get Mastodon's user-only answer). */
async function tokenCaller(c: Ctx): Promise<{ caller: PortabilityCaller; accountId: string }> {
  const token = bearerToken(c);
  const owner = token ? tokenOwner(token) : null;
  if (!token || !owner) throw unauthorized();
  if (owner.kind === "app") {
    await requireUser(c, null);
    throw new ApiError(422, "This method requires an authenticated user");
  }
  return { caller: { token }, accountId: owner.accountId };
}

/** The browser's session handle, unchecked (its object checks it in the same call). */
function sessionCaller(c: Ctx): { caller: PortabilityCaller; accountId: string } | null {
  const handle = readCookie(c.request, SESSION_COOKIE);
  const accountId = handle ? accountIdOf(handle) : null;
  return handle && accountId ? { caller: { session: handle }, accountId } : null;
}

function run<T>(who: { caller: PortabilityCaller; accountId: string }, c: Ctx, op: PortabilityOp): Promise<Result<T>> {
  return accountStub(c.env, who.accountId).portability(who.caller, op) as Promise<Result<T>>;
}

// ----- API -----

async function apiCall(c: Ctx, op: PortabilityOp, status = 200): Promise<Response> {
  const who = await tokenCaller(c);
  return json(unwrap(await run(who, c, op)), { status });
}

function readUpload(p: Record<string, unknown>): { type: ImportType; mode: ImportMode; file: File } {
  const type = p.type;
  if (typeof type !== "string" || !(IMPORT_TYPES as readonly string[]).includes(type)) {
    throw new ApiError(422, `Validation failed: Type must be one of ${IMPORT_TYPES.join(", ")}`);
  }
  const mode = p.mode ?? "merge";
  if (mode !== "merge" && mode !== "overwrite") throw new ApiError(422, "Validation failed: Mode must be merge or overwrite");
  const file = p.data;
  if (!(file instanceof File)) throw new ApiError(422, "Validation failed: Data can't be blank");
  if (file.size > IMPORT_MAX_BYTES) throw new ApiError(422, `Validation failed: Data must be smaller than ${IMPORT_MAX_BYTES / 1024 / 1024} MB`);
  return { type: type as ImportType, mode, file };
}

async function importOp(c: Ctx, p: Record<string, unknown>): Promise<PortabilityOp> {
  const { type, mode, file } = readUpload(p);
  let csv: string;
  try {
    csv = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(await file.arrayBuffer());
  } catch {
    throw new ApiError(422, "Validation failed: Data is not a valid CSV file (it must be UTF-8 text)");
  }
  return { op: "import", type, mode, csv, filename: file.name || "import.csv", o: originOf(c) };
}

async function apiCreateImport(c: Ctx): Promise<Response> {
  const who = await tokenCaller(c);
  const op = await importOp(c, await c.params(UPLOAD_BODY_BYTES));
  return json(unwrap(await run<ImportRecord>(who, c, op)));
}

// ----- downloads (API token, or the page's session) -----

async function pageOrTokenCaller(c: Ctx, via: "api" | "page"): Promise<{ caller: PortabilityCaller; accountId: string } | null> {
  if (via === "api" || bearerToken(c)) return tokenCaller(c);
  return sessionCaller(c);
}

const toSignIn = () => redirect("/auth/sign_in", 302, { "cache-control": "no-store" });

async function downloadCsv(c: Ctx, via: "api" | "page"): Promise<Response> {
  const name = exportNameOf(c.route.file);
  if (!name) throw new ApiError(404, "Record not found");
  const who = await pageOrTokenCaller(c, via);
  if (!who) return toSignIn();
  const result = await run<string>(who, c, { op: "export", name, o: originOf(c) });
  if (!result.ok && result.status === 401 && "session" in who.caller) return toSignIn();
  return csvResponse(unwrap(result), `${name}.csv`);
}

async function downloadFailures(c: Ctx, via: "api" | "page"): Promise<Response> {
  const who = await pageOrTokenCaller(c, via);
  if (!who) return toSignIn();
  const result = await run<string>(who, c, { op: "importFailures", id: c.route.id });
  if (!result.ok && result.status === 401 && "session" in who.caller) return toSignIn();
  return csvResponse(unwrap(result), "failures.csv");
}

function csvResponse(body: string, filename: string): Response {
  return new Response(body, {
    headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${filename}"`, "cache-control": "no-store" },
  });
}

async function downloadArchive(c: Ctx, via: "api" | "page"): Promise<Response> {
  const who = await pageOrTokenCaller(c, via);
  if (!who) return toSignIn();
  const result = await run<ArchiveFile>(who, c, { op: "archiveFile", id: c.route.id });
  if (!result.ok && result.status === 401 && "session" in who.caller) return toSignIn();
  const file = unwrap(result);
  const object = await c.env.MEDIA.get(file.key);
  if (!object) throw new ApiError(404, "Record not found");
  return new Response(object.body, {
    headers: {
      "content-type": "application/zip",
      "content-length": String(object.size),
      "content-disposition": `attachment; filename="${file.filename}"`,
      "cache-control": "no-store",
    },
  });
}

// ----- pages -----

interface PageContext {
  lang: string;
  session: WebSession;
  who: { caller: PortabilityCaller; accountId: string };
  title: string;
}

async function pageContext(c: Ctx): Promise<PageContext | Response> {
  let lang = pageLang(c.url.searchParams.get("lang"));
  try {
    lang = pageLang((await c.params(UPLOAD_BODY_BYTES)).lang);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const message = err.status === 413 ? `The file is larger than ${IMPORT_MAX_BYTES / 1024 / 1024} MB.` : err.message;
    return errorPage(err.status, "Could not read the form", message, lang);
  }
  const session = await currentSession(c.request, c.env);
  if (!session) return toSignIn();
  if (!session.account.approved) return errorPage(403, "Not allowed", "Your login is currently pending approval.", lang);
  return { lang, session, who: { caller: { session: session.handle }, accountId: session.accountId }, title: instanceSettings(c.env).title };
}

/** A form post: session and CSRF value checked, or the page to answer instead. */
async function formContext(c: Ctx): Promise<PageContext | Response> {
  const ctx = await pageContext(c);
  if (ctx instanceof Response) return ctx;
  if (!csrfMatches(ctx.session.csrf, (await c.params())[CSRF_FIELD])) {
    return errorPage(403, "Invalid form", "This form expired or was not sent from this site. Go back, reload the page and try again.", ctx.lang);
  }
  return ctx;
}

const common = (ctx: PageContext) => ({ lang: ctx.lang, title: ctx.title, username: ctx.session.account.username, csrf: ctx.session.csrf });
const WEEK_MS = 7 * 24 * 3600 * 1000;

async function showExport(c: Ctx, message: { notice?: string; error?: string } = {}, status = 200): Promise<Response> {
  const ctx = await pageContext(c);
  if (ctx instanceof Response) return ctx;
  const [counts, archives] = await Promise.all([run<ExportCounts>(ctx.who, c, { op: "counts" }), run<ArchiveRecord[]>(ctx.who, c, { op: "archives" })]);
  const list = unwrap(archives);
  const canRequestArchive = !list.some((a) => a.state !== "failed" && Date.parse(a.created_at) > Date.now() - WEEK_MS);
  return pageResponse(renderExportPage({ ...common(ctx), ...message, counts: unwrap(counts), archives: list, canRequestArchive }), status);
}

async function requestArchivePage(c: Ctx): Promise<Response> {
  const ctx = await formContext(c);
  if (ctx instanceof Response) return ctx;
  const result = await run<ArchiveRecord>(ctx.who, c, { op: "requestArchive", o: originOf(c) });
  if (!result.ok) return showExport(c, { error: result.error }, result.status);
  return redirect("/settings/export", 303, { "cache-control": "no-store" });
}

async function showImports(c: Ctx, error?: string, status = 200): Promise<Response> {
  const ctx = await pageContext(c);
  if (ctx instanceof Response) return ctx;
  const imports = unwrap(await run<ImportRecord[]>(ctx.who, c, { op: "imports" }));
  const page = renderImportPage({ ...common(ctx), error, imports, maxMegabytes: IMPORT_MAX_BYTES / 1024 / 1024, maxRows: IMPORT_MAX_ROWS });
  return pageResponse(page, status);
}

async function createImportPage(c: Ctx): Promise<Response> {
  const ctx = await formContext(c);
  if (ctx instanceof Response) return ctx;
  let result: Result<ImportRecord>;
  try {
    result = await run<ImportRecord>(ctx.who, c, await importOp(c, await c.params()));
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return showImports(c, err.message, err.status);
  }
  if (!result.ok) return showImports(c, result.error, result.status);
  return redirect(`/settings/imports/${result.value.id}`, 303, { "cache-control": "no-store" });
}

async function showImport(c: Ctx): Promise<Response> {
  const ctx = await pageContext(c);
  if (ctx instanceof Response) return ctx;
  const result = await run<ImportDetail>(ctx.who, c, { op: "importDetail", id: c.route.id });
  if (!result.ok) return errorPage(result.status, "Not found", "There is no such import.", ctx.lang);
  return pageResponse(renderImportDetail({ ...common(ctx), detail: result.value }));
}
