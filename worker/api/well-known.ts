import type { Router } from "../router";
import type { Ctx } from "../context";
import { badRequest, notFound } from "../../lib/result";
import { json } from "../http/respond";
import { findLocalUsername } from "../directory-cache";
import { instanceSettings } from "../../core/instance-settings";
import { instanceData } from "../instance-summary";
import { actorUri, profileUrl } from "../../core/serializers/account";
import { NODEINFO_SCHEMA, serializeNodeInfo } from "../../core/serializers/instance";
import { PUBLIC_CACHE } from "./instance";

/** Discovery documents other servers and clients read first. CORS is added globally. */
export function registerWellKnown(router: Router): void {
  router.get("/.well-known/webfinger", webfinger);
  router.get("/.well-known/host-meta", hostMeta);
  router.get("/.well-known/host-meta.json", hostMeta);
  router.get("/.well-known/nodeinfo", (c) =>
    json(
      {
        links: (["2.0", "2.1"] as const).map((v) => ({ rel: `${NODEINFO_SCHEMA}${v}`, href: `${c.origin}/nodeinfo/${v}` })),
      },
      { headers: { "cache-control": PUBLIC_CACHE } },
    ),
  );
  router.get("/nodeinfo/2.0", (c) => nodeInfo(c, "2.0"));
  router.get("/nodeinfo/2.1", (c) => nodeInfo(c, "2.1"));
}

// ----- WebFinger -----

export type WebfingerTarget = { kind: "local"; username: string } | { kind: "elsewhere" } | { kind: "malformed" };

/** Local usernames: letters, digits, underscore, at most 30 (anything else cannot be ours). */
const LOCAL_USERNAME = /^[a-z0-9_]{1,30}$/i;
const ACTOR_PATH = /^\/users\/([^/]+)$/;
const PROFILE_PATH = /^\/@([^/]+)$/;

/**
 * Which local username a WebFinger `resource` names: `acct:user@domain` (also without `acct:`,
 * or with a leading `@`), the actor URI `https://domain/users/user`, or the profile URL
 * `https://domain/@user`. `domain` is this instance's host[:port].
 */
export function parseWebfingerResource(resource: string, domain: string): WebfingerTarget {
  const value = resource.trim();
  if (/^https?:\/\//i.test(value)) return parseUrlResource(value, domain);
  const handle = value.replace(/^acct:/i, "").replace(/^@/, "");
  const at = handle.lastIndexOf("@");
  if (at <= 0 || at === handle.length - 1) return { kind: "malformed" };
  const username = handle.slice(0, at);
  const host = handle.slice(at + 1);
  if (host.toLowerCase() !== domain.toLowerCase()) return { kind: "elsewhere" };
  return LOCAL_USERNAME.test(username) ? { kind: "local", username } : { kind: "elsewhere" };
}

function parseUrlResource(value: string, domain: string): WebfingerTarget {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { kind: "malformed" };
  }
  if (url.host.toLowerCase() !== domain.toLowerCase()) return { kind: "elsewhere" };
  const path = url.pathname.replace(/\/+$/, "");
  const match = ACTOR_PATH.exec(path) ?? PROFILE_PATH.exec(path);
  if (!match) return { kind: "elsewhere" };
  let username: string;
  try {
    username = decodeURIComponent(match[1]);
  } catch {
    return { kind: "malformed" };
  }
  return LOCAL_USERNAME.test(username) ? { kind: "local", username } : { kind: "elsewhere" };
}

async function webfinger(c: Ctx): Promise<Response> {
  const resource = c.url.searchParams.get("resource");
  if (!resource?.trim()) throw badRequest("Missing resource parameter");
  const target = parseWebfingerResource(resource, c.domain);
  if (target.kind === "malformed") throw badRequest("Invalid resource parameter");
  if (target.kind === "elsewhere") throw notFound();
  // Through the isolate cache (worker/directory-cache.ts): hits skip the singleton directory.
  const entry = await findLocalUsername(c.env, target.username);
  // Accounts awaiting approval are not members yet: not discoverable.
  if (!entry || !entry.approved) throw notFound();
  const o = { origin: c.origin, domain: c.domain };
  const actor = actorUri(o, entry.username);
  const profile = profileUrl(o, entry.username);
  const body = {
    subject: `acct:${entry.username}@${c.domain}`,
    aliases: [profile, actor],
    links: [
      { rel: "http://webfinger.net/rel/profile-page", type: "text/html", href: profile },
      { rel: "self", type: "application/activity+json", href: actor },
      { rel: "http://ostatus.org/schema/1.0/subscribe", template: `${c.origin}/authorize_interaction?uri={uri}` },
    ],
  };
  return new Response(JSON.stringify(body), {
    headers: { "content-type": "application/jrd+json; charset=utf-8", "cache-control": PUBLIC_CACHE },
  });
}

// ----- host-meta -----

function hostMeta(c: Ctx): Response {
  const template = `${c.origin}/.well-known/webfinger?resource={uri}`;
  const headers = { "cache-control": PUBLIC_CACHE };
  if (wantsJson(c)) return json({ links: [{ rel: "lrdd", template }] }, { headers });
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n' +
    `  <Link rel="lrdd" template="${escapeXml(template)}"/>\n` +
    "</XRD>\n";
  return new Response(xml, { headers: { ...headers, "content-type": "application/xrd+xml; charset=utf-8" } });
}

function wantsJson(c: Ctx): boolean {
  if (c.url.pathname.endsWith(".json") || c.url.searchParams.get("format") === "json") return true;
  const accept = c.request.headers.get("accept") ?? "";
  return /application\/(jrd\+)?json/i.test(accept) && !/xml/i.test(accept);
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

// ----- NodeInfo -----

async function nodeInfo(c: Ctx, version: "2.0" | "2.1"): Promise<Response> {
  const { stats } = await instanceData(c.env);
  const body = serializeNodeInfo(version, instanceSettings(c.env), stats);
  return new Response(JSON.stringify(body), {
    headers: {
      "content-type": `application/json; profile="${NODEINFO_SCHEMA}${version}#"`,
      "cache-control": PUBLIC_CACHE,
    },
  });
}
