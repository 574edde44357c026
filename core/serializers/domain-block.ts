/**
 * DomainBlock entity (https://docs.joinmastodon.org/entities/DomainBlock/): an instance-level
 * block. Ours refuse everything from the domain, which is Mastodon's `suspend`; they carry no
 * public comment. `digest` is the SHA-256 of the domain, in hex.
 */
export async function serializeDomainBlock(domain: string) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(domain));
  return {
    domain,
    digest: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join(""),
    severity: "suspend" as const,
    comment: null,
  };
}
