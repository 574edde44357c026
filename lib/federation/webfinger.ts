import { jsonTooDeep } from "../json-depth";
import { FetchRefused, privateHostReason, safeFetch, type FetchPolicy } from "./safe-fetch";

/**
 * WebFinger client (RFC 7033): `user@domain` → the actor URI of its `self` link. Over https;
 * http only when private addresses are allowed (test setting) and the host is a loopback or
 * private one, since such a test peer has no certificate. Every request goes through safeFetch
 * (timeouts, size cap, address checks).
 */
export interface Handle {
  username: string;
  domain: string;
}

const AS2_TYPES = ["application/activity+json", 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"', "application/ld+json"];

/** `user@domain`, `@user@domain` or `acct:user@domain` → parts; null when it is not one. */
export function parseHandle(input: string): Handle | null {
  const value = input.trim().replace(/^acct:/i, "").replace(/^@/, "");
  const match = /^([A-Za-z0-9_.\-~]{1,255})@([A-Za-z0-9.\-]+(?::\d{1,5})?|\[[0-9A-Fa-f:.]+\](?::\d{1,5})?)$/.exec(value);
  if (!match) return null;
  return { username: match[1], domain: match[2].toLowerCase() };
}

export function webfingerUrl(handle: Handle, policy: FetchPolicy): string {
  const hostname = handle.domain.replace(/:\d+$/, "");
  const scheme = policy.allowPrivate && privateHostReason(hostname) ? "http" : "https";
  const resource = encodeURIComponent(`acct:${handle.username}@${handle.domain}`);
  return `${scheme}://${handle.domain}/.well-known/webfinger?resource=${resource}`;
}

/** The actor URI a handle names, or a FetchRefused (404 when the server does not know it). */
export async function webfingerActorUri(handle: Handle, policy: FetchPolicy): Promise<string> {
  const response = await safeFetch(webfingerUrl(handle, policy), { method: "GET", headers: { accept: "application/jrd+json, application/json" } }, policy);
  if (response.status !== 200) throw new FetchRefused(`WebFinger answered ${response.status}`, response.status);
  if (jsonTooDeep(response.body)) throw new FetchRefused("WebFinger answer nests too deeply");
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(response.body));
  } catch {
    throw new FetchRefused("WebFinger answer is not JSON");
  }
  const uri = selfLink(doc);
  if (!uri) throw new FetchRefused("WebFinger answer has no ActivityPub self link");
  return uri;
}

/** The href of the `self` link with an ActivityStreams type. */
export function selfLink(doc: unknown): string | null {
  if (typeof doc !== "object" || doc === null) return null;
  const links = (doc as { links?: unknown }).links;
  if (!Array.isArray(links)) return null;
  for (const link of links) {
    if (typeof link !== "object" || link === null) continue;
    const { rel, type, href } = link as Record<string, unknown>;
    if (rel !== "self" || typeof href !== "string") continue;
    if (typeof type === "string" && !AS2_TYPES.includes(type.trim())) continue;
    try {
      const url = new URL(href);
      if (url.protocol === "https:" || url.protocol === "http:") return url.href;
    } catch {
      // not a URL: keep looking
    }
  }
  return null;
}
