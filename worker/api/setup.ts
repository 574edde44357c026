import type { Router } from "../router";
import type { Ctx } from "../context";
import { notFound, unauthorized, unwrap } from "../../lib/result";
import { json } from "../http/respond";
import { directoryStub } from "../../core/stubs";
import { serializeCredentialAccount } from "../../core/serializers/account";
import { parseOrFail, setupAccountSchema } from "../../schemas/accounts";
import { sha256Base64url, timingSafeEqual } from "../../lib/crypto";

/**
 * Operator set-up: creates accounts of any role, whatever the registration mode and including
 * reserved names (the first admin). Authenticated by the `SETUP_TOKEN` secret; without the
 * secret the endpoint does not exist. Used by `npm run create-account`.
 */
export function registerSetup(router: Router): void {
  router.post("/api/v1/pronghorn/setup/accounts", createAccount);
}

async function createAccount(c: Ctx): Promise<Response> {
  const secret = c.env.SETUP_TOKEN;
  if (!secret) throw notFound();
  if (!(await isSetupToken(c.request, secret))) throw unauthorized();
  const input = parseOrFail(setupAccountSchema, await c.params());
  const record = unwrap(
    await directoryStub(c.env).register({ username: input.username, email: input.email, password: input.password, role: input.role, approved: true }),
  );
  return json({
    account: serializeCredentialAccount(record, c),
    note: `Created @${record.username} (${record.role}). Sign in from any Mastodon app at ${c.origin} with ${input.email} and the password.`,
  });
}

/** Compares digests so that neither the length nor a prefix of the secret leaks through timing. */
async function isSetupToken(request: Request, secret: string): Promise<boolean> {
  const given = request.headers.get("authorization")?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  if (!given) return false;
  return timingSafeEqual(await sha256Base64url(given), await sha256Base64url(secret));
}
