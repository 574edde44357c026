import { hex } from "./bytes";

/**
 * Mastodon's canonical e-mail form: lower-cased, the local part without dots and without a
 * `+suffix` (`J.Doe+x@Example.com` → `jdoe@example.com`), then its SHA-256 in hex.
 */
export function canonicalEmail(email: string): string {
  const lower = email.toLowerCase();
  const at = lower.indexOf("@");
  const local = at < 0 ? lower : lower.slice(0, at);
  const domain = at < 0 ? "" : lower.slice(at + 1);
  const bare = local.replace(/\./g, "").split("+")[0];
  return at < 0 ? bare : `${bare}@${domain}`;
}

export async function canonicalEmailHash(email: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonicalEmail(email))));
}
