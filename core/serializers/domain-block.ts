import { hex } from "../../lib/bytes";

/**
 * DomainBlock entity (https://docs.joinmastodon.org/entities/DomainBlock/): an instance-level
 * block. Ours refuse everything from the domain, which is Mastodon's `suspend`; they carry no
 * public comment. `digest` is the SHA-256 of the domain, in hex.
 */
export async function serializeDomainBlock(domain: string) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(domain));
  return {
    domain,
    digest: hex(digest),
    severity: "suspend" as const,
    comment: null,
  };
}
