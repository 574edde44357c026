import type { Router } from "../router";
import type { Ctx } from "../context";
import type { Params } from "../http/body";
import { ApiError, unauthorized, unwrap } from "../../lib/result";
import { requireCaller } from "../http/auth";
import { json } from "../http/respond";
import { appStub, directoryStub } from "../../core/stubs";
import { parseScopes } from "../../lib/scopes";
import { randomSecret } from "../../lib/crypto";
import { serializeApplication, serializeCredentialApplication } from "../../core/serializers/application";

/** Mastodon's limits (app/models/concerns/application/... APP_*_LIMIT). */
const NAME_MAX = 60;
const URI_MAX = 2000;
const MAX_REDIRECT_URIS = 20;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

export function registerApps(router: Router): void {
  router.post("/api/v1/apps", createApp);
  router.get("/api/v1/apps/verify_credentials", verifyApp);
}

async function createApp(c: Ctx): Promise<Response> {
  const params = await c.params();
  const input = readAppInput(params);
  const clientId = randomSecret();
  const created = unwrap(await appStub(c.env, clientId).create({ clientId, ...input }));
  return json(serializeCredentialApplication(created.app, created.clientSecret, await instanceVapidKey(c.env)));
}

/** The Application of the calling token: an app token's own app, or the app a user token was issued to. */
async function verifyApp(c: Ctx): Promise<Response> {
  const caller = await requireCaller(c, null);
  const app = caller.kind === "app" ? caller.app : await appStub(c.env, caller.viewer.token.client_id).get();
  if (!app) throw unauthorized();
  return json(serializeApplication(app, await instanceVapidKey(c.env)));
}

export interface AppInput {
  name: string;
  website: string | null;
  redirectUris: string[];
  scopes: string[];
}

/** Validates `POST /api/v1/apps` parameters; 422 naming the field on the first problem. */
export function readAppInput(params: Params): AppInput {
  const name = typeof params.client_name === "string" ? params.client_name.trim() : "";
  if (params.client_name !== undefined && typeof params.client_name !== "string") {
    throw invalid("client_name", "Client name", "ERR_INVALID", "must be a string");
  }
  if (!name) throw invalid("client_name", "Client name", "ERR_BLANK", "can't be blank");
  if ([...name].length > NAME_MAX) {
    throw invalid("client_name", "Client name", "ERR_TOO_LONG", `is too long (maximum is ${NAME_MAX} characters)`);
  }
  return { name, website: readWebsite(params.website), redirectUris: readRedirectUris(params), scopes: readScopes(params.scopes) };
}

/**
 * `redirect_uris` as a whitespace-separated string or an array, or the older `redirect_uri`.
 * Any scheme is accepted (`com.tapbots.Ivory.10217:/request_token`, `icecubesapp://`,
 * `urn:ietf:wg:oauth:2.0:oob`): no URL parser decides, only these rules: a scheme, no
 * whitespace, no fragment (RFC 6749 §3.1.2).
 */
export function readRedirectUris(params: Params): string[] {
  const raw = params.redirect_uris ?? params.redirect_uri;
  const field = params.redirect_uris !== undefined ? "redirect_uris" : "redirect_uri";
  let uris: string[];
  if (typeof raw === "string") uris = raw.split(/\s+/).filter(Boolean);
  else if (Array.isArray(raw) && raw.every((u) => typeof u === "string")) uris = (raw as string[]).map((u) => u.trim());
  else if (raw === undefined || raw === null) uris = [];
  else throw invalid(field, "Redirect URI", "ERR_INVALID", "must be a string or an array of strings");
  if (uris.length === 0) throw invalid(field, "Redirect URI", "ERR_BLANK", "can't be blank");
  if (uris.length > MAX_REDIRECT_URIS) throw invalid(field, "Redirect URI", "ERR_TOO_MANY", `has too many entries (maximum is ${MAX_REDIRECT_URIS})`);
  for (const uri of uris) {
    if (uri === "") throw invalid(field, "Redirect URI", "ERR_BLANK", "can't be blank");
    if (/\s/.test(uri)) throw invalid(field, "Redirect URI", "ERR_INVALID", "must not contain whitespace");
    if (uri.includes("#")) throw invalid(field, "Redirect URI", "ERR_INVALID", "cannot contain a fragment");
    if (!SCHEME.test(uri)) throw invalid(field, "Redirect URI", "ERR_INVALID", "must be an absolute URI");
    if (uri.length > URI_MAX) throw invalid(field, "Redirect URI", "ERR_TOO_LONG", `is too long (maximum is ${URI_MAX} characters)`);
  }
  return [...new Set(uris)];
}

function readScopes(raw: unknown): string[] {
  const text = Array.isArray(raw) && raw.every((s) => typeof s === "string") ? raw.join(" ") : raw;
  if (text !== undefined && text !== null && typeof text !== "string") {
    throw invalid("scopes", "Scopes", "ERR_INVALID", "must be a string");
  }
  const scopes = parseScopes(text as string | undefined, "read");
  if (!scopes) throw invalid("scopes", "Scopes", "ERR_INVALID", "contains an unknown scope");
  return scopes;
}

/** `website` is optional; blank means none (`null`, never `""`). Otherwise an http(s) URL. */
function readWebsite(raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== "string") throw invalid("website", "Website", "ERR_INVALID", "must be a string");
  const website = raw.trim();
  if (website === "") return null;
  if (website.length > URI_MAX) throw invalid("website", "Website", "ERR_TOO_LONG", `is too long (maximum is ${URI_MAX} characters)`);
  if (!/^https?:\/\/[^\s]+$/i.test(website) || !URL.canParse(website)) {
    throw invalid("website", "Website", "ERR_INVALID", "is not a valid URL");
  }
  return website;
}

function invalid(field: string, label: string, code: string, description: string): ApiError {
  return new ApiError(422, `Validation failed: ${label} ${description}`, {
    details: { [field]: [{ error: code, description }] },
  });
}

let vapidKey: string | undefined;

/**
 * The instance's VAPID public key, asked of the directory once per isolate (it never changes).
 * Only the resolved string is cached: a promise must not be shared across requests in Workers.
 */
export async function instanceVapidKey(env: Env): Promise<string> {
  vapidKey ??= await directoryStub(env).vapidPublicKey();
  return vapidKey;
}
