import type { Ctx } from "../context";
import { ApiError, unauthorized, unwrap } from "../../lib/result";
import { tokenOwner } from "../../lib/tokens";
import { accountStub, appStub } from "../../core/stubs";

import type { AppRecord } from "../../schemas/records";
import type { Viewer } from "../../schemas/auth";
import type { RateBucket } from "../../objects/account/rate-limits";

/** The bearer token of a request: `Authorization: Bearer`, else `?access_token=`. */
export function bearerToken(c: Ctx): string | null {
  const header = c.request.headers.get("authorization");
  if (header) {
    const m = header.match(/^Bearer\s+(\S+)\s*$/i);
    return m ? m[1] : null;
  }
  return c.url.searchParams.get("access_token");
}

export type Caller = { kind: "user"; viewer: Viewer; token: string } | { kind: "app"; app: AppRecord; scopes: string[]; token: string };

/** Authenticates any token (user or app). 401 if absent or invalid, 403 if the scope is missing. */
export async function requireCaller(c: Ctx, scope: string | null, bucket: RateBucket | null = null): Promise<Caller> {
  const token = bearerToken(c);
  if (!token) throw unauthorized("The access token is invalid");
  const owner = tokenOwner(token);
  if (!owner) throw unauthorized();
  if (owner.kind === "user") {
    const viewer = unwrap(await accountStub(c.env, owner.accountId).authorize(token, scope, bucket));
    return { kind: "user", viewer, token };
  }
  const app = unwrap(await appStub(c.env, owner.clientId).authorize(token, scope));
  return { kind: "app", app: app.app, scopes: app.scopes, token };
}

/**
 * Authenticates a user token; an app token gets the Mastodon answer for a user-only endpoint.
 * `bucket` counts the request against a stricter rate limit (uploads) before any work is done.
 */
export async function requireUser(c: Ctx, scope: string | null, bucket: RateBucket | null = null): Promise<{ viewer: Viewer; token: string }> {
  const caller = await requireCaller(c, scope, bucket);
  if (caller.kind !== "user") throw new ApiError(422, "This method requires an authenticated user");
  return caller;
}

/** For public endpoints: no token is fine, a bad token is still a 401. */
export async function optionalUser(c: Ctx, scope: string | null): Promise<{ viewer: Viewer; token: string } | null> {
  if (!bearerToken(c)) return null;
  const caller = await requireCaller(c, scope);
  return caller.kind === "user" ? caller : null;
}

/**
 * For endpoints served by the caller's own object in one RPC: the token and that object, which
 * checks the token and scope itself (`this.viewer(token, scope)`). App tokens get Mastodon's
 * answers for a user-only endpoint (403 without the scope, else 422).
 */
export async function userObject(c: Ctx, scope: string | null): Promise<{ token: string; accountId: string; stub: ReturnType<typeof accountStub> }> {
  const token = bearerToken(c);
  const owner = token ? tokenOwner(token) : null;
  if (!token || !owner) throw unauthorized();
  if (owner.kind === "app") {
    await requireUser(c, scope);
    throw new ApiError(422, "This method requires an authenticated user");
  }
  return { token, accountId: owner.accountId, stub: accountStub(c.env, owner.accountId) };
}

export interface TokenAuth {
  token: string;
  accountId: string;
}

/**
 * The caller's user token and account, read from the token's routing hint. The account's
 * object verifies the token in the same call that does the work. App tokens get Mastodon's 422.
 */
export async function userToken(c: Ctx): Promise<TokenAuth> {
  const token = bearerToken(c);
  const owner = token ? tokenOwner(token) : null;
  if (!token || !owner) throw unauthorized();
  if (owner.kind === "app") {
    await requireUser(c, null);
    throw unauthorized();
  }
  return { token, accountId: owner.accountId };
}

/** Like userToken for endpoints open to anyone: null without a token (an app token reads as anonymous). */
export async function optionalToken(c: Ctx, scope: string): Promise<TokenAuth | null> {
  const token = bearerToken(c);
  if (!token) return null;
  const owner = tokenOwner(token);
  if (!owner) throw unauthorized();
  if (owner.kind === "app") {
    await optionalUser(c, scope);
    return null;
  }
  return { token, accountId: owner.accountId };
}
