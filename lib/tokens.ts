import { randomSecret } from "./crypto";

/**
 * Bearer tokens are opaque to clients but carry a routing hint so that the Worker finds the
 * owning object without a lookup: `u<accountId>.<secret>` for user tokens, `a<clientId>.<secret>`
 * for app (client_credentials) tokens. Only the SHA-256 of the whole token is stored.
 * The same shape serves authorization codes and web sessions (owner = account id).
 */
export type TokenOwner = { kind: "user"; accountId: string } | { kind: "app"; clientId: string };

export function mintUserToken(accountId: string): string {
  return `u${accountId}.${randomSecret()}`;
}

export function mintAppToken(clientId: string): string {
  return `a${clientId}.${randomSecret()}`;
}

export function tokenOwner(token: string): TokenOwner | null {
  const dot = token.indexOf(".");
  if (dot < 2 || dot > 80) return null;
  const owner = token.slice(1, dot);
  if (token.length - dot - 1 < 32) return null;
  if (token[0] === "u" && /^\d{1,20}$/.test(owner)) return { kind: "user", accountId: owner };
  if (token[0] === "a" && /^[A-Za-z0-9_-]{16,64}$/.test(owner)) return { kind: "app", clientId: owner };
  return null;
}

/** Account id carried by a code or session of the form `<accountId>.<secret>`. */
export function accountIdOf(handle: string): string | null {
  const m = handle.match(/^(\d{1,20})\.[A-Za-z0-9_-]{32,}$/);
  return m ? m[1] : null;
}

export function mintAccountHandle(accountId: string): string {
  return `${accountId}.${randomSecret()}`;
}
