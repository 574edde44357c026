import type { Router } from "../router";
import type { Ctx } from "../context";
import { notFound, unprocessable, unwrap } from "../../lib/result";
import { json } from "../http/respond";
import { linkHeader, linkHeaders, readPage } from "../http/pagination";
import { requirePermission } from "../http/staff";
import { boolParam, DIGIT_ID, enumParam, requiredString, stringParam } from "../http/admin-params";
import { directoryStub } from "../../core/stubs";
import { canonicalEmailHash } from "../../lib/canonical-email";
import { serializeCanonicalEmailBlock, serializeEmailDomainBlock, serializeIpBlock } from "../../core/serializers/admin-blocks";
import {
  IP_BLOCK_SEVERITIES,
  type CanonicalEmailBlockRecord,
  type EmailDomainBlockRecord,
  type IpBlockRecord,
} from "../../schemas/admin-blocks";
import type { SignUpBlockOp } from "../../objects/directory/admin-block-ops";
import type { IpBlockInput } from "../../objects/directory/sign-up-blocks";

/**
 * Mastodon's admin API for what is blocked at sign-up and sign-in: e-mail domains, IP ranges and
 * canonical e-mail addresses. Admins and owners only (`manage_blocks`). Enforced by sign-up
 * (`screenSignUp`, worker/api/sign-up-screening.ts) and sign-in (IP `no_access`).
 */
export function registerAdminBlocks(router: Router): void {
  router.get("/api/v1/admin/email_domain_blocks", listEmailDomains);
  router.post("/api/v1/admin/email_domain_blocks", createEmailDomain);
  router.get("/api/v1/admin/email_domain_blocks/:id", showEmailDomain);
  router.delete("/api/v1/admin/email_domain_blocks/:id", deleteEmailDomain);
  router.get("/api/v1/admin/ip_blocks", listIps);
  router.post("/api/v1/admin/ip_blocks", createIp);
  router.get("/api/v1/admin/ip_blocks/:id", showIp);
  router.put("/api/v1/admin/ip_blocks/:id", updateIp);
  router.delete("/api/v1/admin/ip_blocks/:id", deleteIp);
  router.get("/api/v1/admin/canonical_email_blocks", listCanonical);
  router.post("/api/v1/admin/canonical_email_blocks/test", testCanonical);
  router.post("/api/v1/admin/canonical_email_blocks", createCanonical);
  router.get("/api/v1/admin/canonical_email_blocks/:id", showCanonical);
  router.delete("/api/v1/admin/canonical_email_blocks/:id", deleteCanonical);
}

const PAGE_DEFAULT = 100;
const PAGE_MAX = 200;

async function call<T>(c: Ctx, op: SignUpBlockOp): Promise<T> {
  return unwrap(await directoryStub(c.env).signUpBlocks(op)) as T;
}

function routeId(c: Ctx): string {
  if (!DIGIT_ID.test(c.route.id)) throw notFound();
  return c.route.id;
}

const guard = (family: string, access: "read" | "write") => (c: Ctx) => requirePermission(c, `admin:${access}:${family}`, "manage_blocks");

async function listed<R extends { id: string }>(c: Ctx, op: (window: ReturnType<typeof readPage>) => SignUpBlockOp, render: (r: R) => unknown): Promise<Response> {
  const records = await call<R[]>(c, op(readPage(await c.params(), PAGE_DEFAULT, PAGE_MAX)));
  return json(records.map(render), { headers: linkHeaders(linkHeader(c.url, records, (r) => r.id)) });
}

// ----- e-mail domains -----

const readEmail = guard("email_domain_blocks", "read");
const writeEmail = guard("email_domain_blocks", "write");

async function listEmailDomains(c: Ctx): Promise<Response> {
  await readEmail(c);
  return listed<EmailDomainBlockRecord>(c, (window) => ({ op: "listEmailDomains", window }), serializeEmailDomainBlock);
}

async function showEmailDomain(c: Ctx): Promise<Response> {
  await readEmail(c);
  return json(serializeEmailDomainBlock(await call<EmailDomainBlockRecord>(c, { op: "getEmailDomain", id: routeId(c) })));
}

async function createEmailDomain(c: Ctx): Promise<Response> {
  await writeEmail(c);
  const p = await c.params();
  const domain = stringParam(p, "domain", 506) ?? "";
  const block = await call<EmailDomainBlockRecord>(c, { op: "createEmailDomain", domain, allowWithApproval: boolParam(p, "allow_with_approval") ?? false });
  return json(serializeEmailDomainBlock(block));
}

async function deleteEmailDomain(c: Ctx): Promise<Response> {
  await writeEmail(c);
  await call(c, { op: "deleteEmailDomain", id: routeId(c) });
  return json({});
}

// ----- IP ranges -----

const readIps = guard("ip_blocks", "read");
const writeIps = guard("ip_blocks", "write");

async function ipInput(c: Ctx): Promise<IpBlockInput> {
  const p = await c.params();
  let expiresIn: number | null | undefined;
  if ("expires_in" in p) {
    const raw = p.expires_in;
    if (raw === null || raw === "") expiresIn = null;
    else {
      const n = Number(raw);
      if ((typeof raw !== "string" && typeof raw !== "number") || !Number.isInteger(n) || n <= 0 || n > 10 * 365 * 86400) {
        throw unprocessable("Validation failed: Expires in is invalid");
      }
      expiresIn = n;
    }
  }
  return { ip: stringParam(p, "ip", 64), severity: enumParam(p, "severity", IP_BLOCK_SEVERITIES), comment: stringParam(p, "comment"), expiresIn };
}

async function listIps(c: Ctx): Promise<Response> {
  await readIps(c);
  return listed<IpBlockRecord>(c, (window) => ({ op: "listIps", window }), serializeIpBlock);
}

async function showIp(c: Ctx): Promise<Response> {
  await readIps(c);
  return json(serializeIpBlock(await call<IpBlockRecord>(c, { op: "getIp", id: routeId(c) })));
}

async function createIp(c: Ctx): Promise<Response> {
  await writeIps(c);
  return json(serializeIpBlock(await call<IpBlockRecord>(c, { op: "saveIp", id: null, input: await ipInput(c) })));
}

async function updateIp(c: Ctx): Promise<Response> {
  await writeIps(c);
  const id = routeId(c);
  return json(serializeIpBlock(await call<IpBlockRecord>(c, { op: "saveIp", id, input: await ipInput(c) })));
}

async function deleteIp(c: Ctx): Promise<Response> {
  await writeIps(c);
  await call(c, { op: "deleteIp", id: routeId(c) });
  return json({});
}

// ----- canonical e-mails -----

const readCanonical = guard("canonical_email_blocks", "read");
const writeCanonical = guard("canonical_email_blocks", "write");

async function listCanonical(c: Ctx): Promise<Response> {
  await readCanonical(c);
  return listed<CanonicalEmailBlockRecord>(c, (window) => ({ op: "listCanonical", window }), serializeCanonicalEmailBlock);
}

async function showCanonical(c: Ctx): Promise<Response> {
  await readCanonical(c);
  return json(serializeCanonicalEmailBlock(await call<CanonicalEmailBlockRecord>(c, { op: "getCanonical", id: routeId(c) })));
}

/** `email` (hashed here in its canonical form) or an already computed `canonical_email_hash`. */
async function createCanonical(c: Ctx): Promise<Response> {
  await writeCanonical(c);
  const p = await c.params();
  const email = stringParam(p, "email", 320);
  const hash = email?.trim() ? await canonicalEmailHash(email.trim()) : (stringParam(p, "canonical_email_hash", 64) ?? "").toLowerCase();
  if (!hash) throw unprocessable("Validation failed: Canonical email hash can't be blank");
  return json(serializeCanonicalEmailBlock(await call<CanonicalEmailBlockRecord>(c, { op: "createCanonical", hash })));
}

async function deleteCanonical(c: Ctx): Promise<Response> {
  await writeCanonical(c);
  await call(c, { op: "deleteCanonical", id: routeId(c) });
  return json({});
}

/** The blocks an address would match (Mastodon's `POST .../test`; needs the read scope). */
async function testCanonical(c: Ctx): Promise<Response> {
  await readCanonical(c);
  const email = requiredString(await c.params(), "email");
  const matches = await call<CanonicalEmailBlockRecord[]>(c, { op: "testCanonical", hash: await canonicalEmailHash(email.trim()) });
  return json(matches.map(serializeCanonicalEmailBlock));
}
