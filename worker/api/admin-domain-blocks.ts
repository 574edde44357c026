import type { Router } from "../router";
import type { Ctx } from "../context";
import type { Params } from "../http/body";
import { ApiError, notFound, unwrap } from "../../lib/result";
import { json } from "../http/respond";
import { linkHeader, linkHeaders, readPage } from "../http/pagination";
import { optionalUser } from "../http/auth";
import { requirePermission } from "../http/staff";
import { boolParam, commentParam, DIGIT_ID, enumParam, stringParam } from "../http/admin-params";
import { directoryStub } from "../../core/stubs";
import { forgetDomainPolicy } from "../../core/domain-policy";
import { serializeAdminDomainBlock, serializeDomainAllow, serializePublicDomainBlocks } from "../../core/serializers/admin-blocks";
import { DOMAIN_BLOCK_SEVERITIES, type DomainAllowRecord, type DomainBlockInput, type DomainBlockRecord } from "../../schemas/admin-blocks";
import type { DomainBlockOp } from "../../objects/directory/admin-block-ops";

/**
 * Mastodon's admin API for federation: domain blocks (silence, suspend, noop; media and report
 * rejection; comments; obfuscation) and domain allows (limited federation mode). Admins and
 * owners only (`manage_federation`). Changes reach federation through core/domain-policy.ts,
 * whose isolate copies expire within 30 s (this isolate's at once).
 */
export function registerAdminDomainBlocks(router: Router): void {
  router.get("/api/v1/admin/domain_blocks", listBlocks);
  router.post("/api/v1/admin/domain_blocks", createBlock);
  router.get("/api/v1/admin/domain_blocks/:id", showBlock);
  router.put("/api/v1/admin/domain_blocks/:id", updateBlock);
  router.delete("/api/v1/admin/domain_blocks/:id", deleteBlock);
  router.get("/api/v1/admin/domain_allows", listAllows);
  router.post("/api/v1/admin/domain_allows", createAllow);
  router.get("/api/v1/admin/domain_allows/:id", showAllow);
  router.delete("/api/v1/admin/domain_allows/:id", deleteAllow);
}

/** Mastodon: 100 per page by default, at most 200. */
const PAGE_DEFAULT = 100;
const PAGE_MAX = 200;

async function call<T>(c: Ctx, op: DomainBlockOp): Promise<T> {
  return unwrap(await directoryStub(c.env).adminDomainBlocks(op)) as T;
}

function routeId(c: Ctx): string {
  if (!DIGIT_ID.test(c.route.id)) throw notFound();
  return c.route.id;
}

const read = (c: Ctx) => requirePermission(c, "admin:read:domain_blocks", "manage_federation");
const write = (c: Ctx) => requirePermission(c, "admin:write:domain_blocks", "manage_federation");

function blockInput(p: Params): DomainBlockInput {
  return {
    domain: stringParam(p, "domain", 253 * 2),
    severity: enumParam(p, "severity", DOMAIN_BLOCK_SEVERITIES),
    rejectMedia: boolParam(p, "reject_media"),
    rejectReports: boolParam(p, "reject_reports"),
    privateComment: commentParam(p, "private_comment"),
    publicComment: commentParam(p, "public_comment"),
    obfuscate: boolParam(p, "obfuscate"),
  };
}

async function listBlocks(c: Ctx): Promise<Response> {
  await read(c);
  const window = readPage(await c.params(), PAGE_DEFAULT, PAGE_MAX);
  const blocks = await call<DomainBlockRecord[]>(c, { op: "list", window });
  return json(await Promise.all(blocks.map(serializeAdminDomainBlock)), { headers: linkHeaders(linkHeader(c.url, blocks, (b) => b.id)) });
}

async function showBlock(c: Ctx): Promise<Response> {
  await read(c);
  return json(await serializeAdminDomainBlock(await call<DomainBlockRecord>(c, { op: "get", id: routeId(c) })));
}

async function createBlock(c: Ctx): Promise<Response> {
  await write(c);
  const input = blockInput(await c.params());
  const created = await call<DomainBlockRecord | { conflict: DomainBlockRecord }>(c, { op: "create", input });
  if ("conflict" in created) {
    const existing = created.conflict;
    // Mastodon's ExistingDomainBlockError: the block that already covers the domain.
    return json(
      { error: `You have already imposed stricter limits on ${existing.domain}.`, existing_domain_block: await serializeAdminDomainBlock(existing) },
      { status: 422 },
    );
  }
  forgetDomainPolicy();
  return json(await serializeAdminDomainBlock(created));
}

async function updateBlock(c: Ctx): Promise<Response> {
  await write(c);
  const id = routeId(c);
  const { domain: _ignored, ...input } = blockInput(await c.params());
  const updated = await call<DomainBlockRecord>(c, { op: "update", id, input });
  forgetDomainPolicy();
  return json(await serializeAdminDomainBlock(updated));
}

async function deleteBlock(c: Ctx): Promise<Response> {
  await write(c);
  await call<DomainBlockRecord>(c, { op: "delete", id: routeId(c) });
  forgetDomainPolicy();
  return json({});
}

// ----- allows -----

const readAllows = (c: Ctx) => requirePermission(c, "admin:read:domain_allows", "manage_federation");
const writeAllows = (c: Ctx) => requirePermission(c, "admin:write:domain_allows", "manage_federation");

async function listAllows(c: Ctx): Promise<Response> {
  await readAllows(c);
  const window = readPage(await c.params(), PAGE_DEFAULT, PAGE_MAX);
  const allows = await call<DomainAllowRecord[]>(c, { op: "listAllows", window });
  return json(allows.map(serializeDomainAllow), { headers: linkHeaders(linkHeader(c.url, allows, (a) => a.id)) });
}

async function showAllow(c: Ctx): Promise<Response> {
  await readAllows(c);
  return json(serializeDomainAllow(await call<DomainAllowRecord>(c, { op: "getAllow", id: routeId(c) })));
}

async function createAllow(c: Ctx): Promise<Response> {
  await writeAllows(c);
  const domain = stringParam(await c.params(), "domain", 253 * 2) ?? "";
  const allow = await call<DomainAllowRecord>(c, { op: "createAllow", domain });
  forgetDomainPolicy();
  return json(serializeDomainAllow(allow));
}

async function deleteAllow(c: Ctx): Promise<Response> {
  await writeAllows(c);
  await call<DomainAllowRecord>(c, { op: "deleteAllow", id: routeId(c) });
  forgetDomainPolicy();
  return json({});
}

// ----- the public list -----

type Audience = "all" | "users" | "disabled";

function audience(value: string | undefined): Audience {
  const v = (value ?? "").trim().toLowerCase();
  return v === "users" || v === "disabled" ? v : "all";
}

/**
 * `GET /api/v1/instance/domain_blocks`, as SHOW_DOMAIN_BLOCKS allows (all, signed-in users, or
 * nobody: 404), with the public comments as SHOW_DOMAIN_BLOCKS_RATIONALE allows.
 */
export async function instanceDomainBlocks(c: Ctx): Promise<Response> {
  const who = audience(c.env.SHOW_DOMAIN_BLOCKS);
  const rationale = audience(c.env.SHOW_DOMAIN_BLOCKS_RATIONALE);
  const signedIn = who === "users" || rationale === "users" ? (await optionalUser(c, null)) !== null : false;
  if (who === "disabled" || (who === "users" && !signedIn)) throw new ApiError(404, "Record not found");
  const comments = rationale === "all" || (rationale === "users" && signedIn);
  const body = await serializePublicDomainBlocks(await directoryStub(c.env).allDomainBlocks(), comments);
  // Shared caches may keep it only when everyone sees the same list.
  const cache = who === "all" && rationale !== "users" ? "public, max-age=60" : "private, no-store";
  return json(body, { headers: { "cache-control": cache } });
}

/** The moderated servers the about page lists: the public list when everyone may see it. */
export async function aboutPageDomainBlocks(c: Ctx): Promise<{ domain: string; severity: "silence" | "suspend"; comment: string | null }[]> {
  if (audience(c.env.SHOW_DOMAIN_BLOCKS) !== "all") return [];
  const comments = audience(c.env.SHOW_DOMAIN_BLOCKS_RATIONALE) === "all";
  return serializePublicDomainBlocks(await directoryStub(c.env).allDomainBlocks(), comments);
}
