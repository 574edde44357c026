import type { Router } from "../router";
import type { Ctx } from "../context";
import { ApiError, unwrap } from "../../lib/result";
import { userObject } from "../http/auth";
import { json } from "../http/respond";
import { readPage } from "../http/pagination";
import { pagedJson } from "../http/account-pages";
import type { DomainBlockEntry } from "../../objects/account/user-domain-blocks";

/**
 * A user's own domain blocks (`/api/v1/domain_blocks`): the list of blocked domains as plain
 * strings, paged with `Link`; blocking and unblocking by `domain`, both answering `{}`. The
 * legacy `follow` scope also grants `read:blocks`/`write:blocks` (lib/scopes.ts).
 */
export function registerUserDomainBlocks(router: Router): void {
  router.get("/api/v1/domain_blocks", list);
  router.post("/api/v1/domain_blocks", block);
  router.delete("/api/v1/domain_blocks", unblock);
}

/** Mastodon's limits for this list: 100 by default, 200 at most. */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 200;
const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

async function list(c: Ctx): Promise<Response> {
  const { stub, token } = await userObject(c, "read:blocks");
  const entries = unwrap(await stub.domainBlocks(token, { op: "list", window: readPage(await c.params(), DEFAULT_LIMIT, MAX_LIMIT) })) as DomainBlockEntry[];
  return pagedJson(c, entries, (e) => e.cursor, (e) => e.domain);
}

async function block(c: Ctx): Promise<Response> {
  const { stub, token } = await userObject(c, "write:blocks");
  const domain = normalizeDomain((await c.params()).domain);
  unwrap(await stub.domainBlocks(token, { op: "add", domain }));
  return json({});
}

async function unblock(c: Ctx): Promise<Response> {
  const { stub, token } = await userObject(c, "write:blocks");
  const raw = (await c.params()).domain;
  // Unblocking a domain that was never blocked (or is no domain at all) changes nothing.
  const domain = typeof raw === "string" ? tryNormalize(raw) : null;
  if (domain) unwrap(await stub.domainBlocks(token, { op: "remove", domain }));
  return json({});
}

/** As Mastodon's DomainNormalizable and DomainValidator: trimmed, lower case, IDNA ASCII, a valid host name. */
function normalizeDomain(raw: unknown): string {
  if (raw === undefined || raw === null || (typeof raw === "string" && raw.trim() === "")) {
    throw new ApiError(422, "Validation failed: Domain can't be blank", { details: { domain: [{ error: "ERR_BLANK", description: "can't be blank" }] } });
  }
  const domain = typeof raw === "string" ? tryNormalize(raw) : null;
  if (!domain) throw new ApiError(422, "Validation failed: Domain is invalid", { details: { domain: [{ error: "ERR_INVALID", description: "is invalid" }] } });
  return domain;
}

function tryNormalize(raw: string): string | null {
  const trimmed = raw.trim().replace(/\.$/, "");
  if (!trimmed || trimmed.length > 253 || /[\s/:@?#\\]/.test(trimmed)) return null;
  let host: string;
  try {
    host = new URL(`https://${trimmed}`).hostname;
  } catch {
    return null;
  }
  return host.split(".").every((label) => LABEL.test(label)) ? host : null;
}
