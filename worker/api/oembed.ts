import { z } from "zod";
import type { Router } from "../router";
import type { Ctx } from "../context";
import { notFound } from "../../lib/result";
import { json } from "../http/respond";
import { accountStub } from "../../core/stubs";
import { profileUrl } from "../../core/serializers/account";
import { parseOrFail } from "../../schemas/accounts";
import type { StatusRecord } from "../../schemas/records";
import { findLocalUsername } from "../directory-cache";
import { embedIframe, embedPageResponse, renderEmbedPage } from "../../web/embed";
import { errorPage } from "../../web/layout";

/**
 * oEmbed for this server's statuses (`GET /api/oembed?url=`, Mastodon's OEmbedController) and
 * the embed page its `html` frames (`/@user/:id/embed`). Only statuses a signed-out reader may
 * see (public and unlisted) are embeddable; anything else is a 404.
 */
export function registerOEmbed(router: Router): void {
  router.get("/api/oembed", oembed);
  router.get("/@:username/:id/embed", embed);
}

const DEFAULT_WIDTH = 400;
const LOCAL_USERNAME = /^[a-z0-9_]{1,30}$/i;
const DIGITS = /^\d{1,20}$/;

const dimension = z.coerce.number().int().min(1).max(10_000).optional();
const oembedSchema = z.object({ url: z.string().max(2048).optional(), maxwidth: dimension, maxheight: dimension });

async function oembed(c: Ctx): Promise<Response> {
  const q = parseOrFail(oembedSchema, await c.params());
  const target = q.url ? statusPath(c, q.url) : null;
  const found = target ? await openStatus(c.env, target.username, target.id) : null;
  if (!found) throw notFound();
  const name = found.account.display_name || found.account.username;
  return json({
    type: "rich",
    version: "1.0",
    title: `New status by ${found.account.username}`,
    author_name: name,
    author_url: profileUrl(c, found.account.username),
    provider_name: c.domain,
    provider_url: `${c.origin}/`,
    cache_age: 86_400,
    html: embedIframe(c, found, q.maxwidth ?? DEFAULT_WIDTH, q.maxheight ?? null),
    width: q.maxwidth ?? DEFAULT_WIDTH,
    height: q.maxheight ?? null,
  });
}

async function embed(c: Ctx): Promise<Response> {
  const found = await openStatus(c.env, c.route.username ?? "", c.route.id ?? "");
  if (!found) return errorPage(404, "Not found", "This post does not exist or is not public.");
  return embedPageResponse(renderEmbedPage(found, c));
}

/** `https://<us>/@user/:id` (with or without `/embed`) or `https://<us>/users/user/statuses/:id`. */
function statusPath(c: Ctx, url: string): { username: string; id: string } | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.host.toLowerCase() !== c.domain.toLowerCase()) return null;
  const m = /^\/@([^/]+)\/(\d+)(?:\/embed)?\/?$/.exec(u.pathname) ?? /^\/users\/([^/]+)\/statuses\/(\d+)\/?$/.exec(u.pathname);
  return m ? { username: m[1], id: m[2] } : null;
}

/** A local original status that a signed-out reader may see. */
async function openStatus(env: Env, username: string, id: string): Promise<StatusRecord | null> {
  if (!LOCAL_USERNAME.test(username) || !DIGITS.test(id)) return null;
  const entry = await findLocalUsername(env, username);
  if (!entry || !entry.approved) return null;
  const [found] = await accountStub(env, entry.id).statusesFor([id], null);
  if (!found || found.reblog) return null;
  return found.visibility === "public" || found.visibility === "unlisted" ? found : null;
}
