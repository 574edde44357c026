import type { ProfileField } from "../../schemas/records";
import { fetchPolicy, safeFetch } from "../../lib/federation/safe-fetch";
import { requireInstanceOrigin } from "../federation/instance-origin";
import type { AccountHost } from "./host";
import { accountJobs } from "./jobs";
import { readAccountRow } from "./records";
import { profileChanged } from "./profile-copies";

/**
 * Profile links verified as Mastodon does: a field whose value is a web address is verified when
 * the page there links back to this profile with `rel="me"` (an `<a>` or a `<link>`). The check
 * runs as a job after the fields change; a field keeps `verified_at` while its value is unchanged.
 */
export const VERIFY_LINKS_JOB = "profile.verifyLinks";
const PAGE_BYTES = 1024 * 1024;

/** Queues the check when some field is an unverified link; call inside the profile change's transaction. */
export function queueLinkVerification(host: AccountHost, fields: ProfileField[]): void {
  if (fields.some((f) => !f.verified_at && linkOf(f.value))) host.enqueue(VERIFY_LINKS_JOB, {});
}

/** The value as a web address, if it is nothing but one (Mastodon verifies only such fields). */
export function linkOf(value: string): URL | null {
  const text = value.trim();
  if (!/^https?:\/\/\S+$/i.test(text)) return null;
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

accountJobs.register(VERIFY_LINKS_JOB, async (host) => {
  const row = readAccountRow(host.sql);
  if (!row) return;
  const o = await requireInstanceOrigin(host.env);
  const me = new Set([`${o.origin}/@${row.username}`, `${o.origin}/users/${row.username}`]);
  const fields = JSON.parse(row.fields) as ProfileField[];
  const checked = await Promise.all(fields.map(async (f) => (!f.verified_at && (await linksBack(f.value, me, host.env)) ? f.value : null)));
  const verified = new Set(checked.filter((v): v is string => v !== null));
  if (!verified.size) return;
  const now = new Date().toISOString();
  host.storage.transactionSync(() => {
    // Read again: only fields still holding the checked value are marked.
    const current = JSON.parse(readAccountRow(host.sql)!.fields) as ProfileField[];
    const next = current.map((f) => (!f.verified_at && verified.has(f.value) ? { ...f, verified_at: now } : f));
    host.sql.exec("UPDATE account SET fields = ?", JSON.stringify(next));
  });
  await profileChanged(host);
});

async function linksBack(value: string, me: Set<string>, env: Env): Promise<boolean> {
  const url = linkOf(value);
  if (!url) return false;
  try {
    const page = await safeFetch(url.href, { headers: { accept: "text/html" } }, { ...fetchPolicy(env), maxBytes: PAGE_BYTES });
    if (page.status !== 200 || !(page.headers.get("content-type") ?? "").includes("html")) return false;
    const hrefs = await relMeLinks(page.body, page.url);
    return hrefs.some((href) => me.has(href.replace(/\/$/, "")));
  } catch {
    return false; // unreachable, refused or too large: simply not verified
  }
}

/** `href`s of `<a rel="me">` and `<link rel="me">`, resolved against the page's address. */
async function relMeLinks(html: Uint8Array, base: string): Promise<string[]> {
  const found: string[] = [];
  const collect = {
    element(el: Element) {
      const href = el.getAttribute("href");
      if (!href) return;
      try {
        found.push(new URL(href, base).href);
      } catch {
        // not an address
      }
    },
  };
  await new HTMLRewriter().on('a[rel~="me"]', collect).on('link[rel~="me"]', collect).transform(new Response(html)).arrayBuffer();
  return found;
}
