import { fail, ok, type Result } from "../../lib/result";
import { prepareCavage } from "../../lib/federation/http-signatures-cavage";
import { prepareRfc9421, signatureScheme } from "../../lib/federation/http-signatures-rfc9421";
import { verifyContentDigest, verifyDigestHeader } from "../../lib/federation/digest";
import { verifyPrepared, type PreparedSignature, type SignedRequestParts } from "../../lib/federation/signatures";
import { isDomainBlocked } from "./domain-blocks";
import { resolveKey } from "./key-resolver";

/**
 * HTTP signature verification for any signed request (inbox POSTs, authorized-fetch GETs), in
 * the order a careful server uses: signature shape and coverage and time (no I/O) → domain block
 * of the key's host (before any fetch) → body digest (before anyone parses the body) → key
 * resolution → crypto, with one key refetch if the cached key fails.
 */
export interface VerifiedSignature {
  keyId: string;
  /** The actor that owns the key: compare it to the activity's `actor`. */
  owner: string;
  scheme: PreparedSignature["scheme"];
}

/** Step one, headers only: a usable signature, or the 401/403 answer. */
export async function prepareInbound(env: Env, req: SignedRequestParts, now = Date.now()): Promise<Result<PreparedSignature>> {
  const scheme = signatureScheme(req.headers);
  if (!scheme) return fail(401, "Request is not signed");
  const prepared = scheme === "rfc9421" ? prepareRfc9421(req, now) : prepareCavage(req, now);
  if (!prepared.ok) return fail(401, prepared.error);
  if (await isDomainBlocked(env, prepared.value.keyId)) return fail(403, "Requests from this domain are refused");
  return ok(prepared.value);
}

/** Step two: the body digest (POST), then the key and the signature itself. */
export async function completeVerification(
  env: Env,
  origin: string,
  req: SignedRequestParts,
  prepared: PreparedSignature,
  body: Uint8Array | null,
): Promise<Result<VerifiedSignature>> {
  if (body !== null) {
    const header = prepared.digest === "digest" ? req.headers.get("digest") : prepared.digest === "content-digest" ? req.headers.get("content-digest") : null;
    if (!header) return fail(401, "The signature does not cover a body digest");
    const check = prepared.digest === "digest" ? await verifyDigestHeader(header, body) : await verifyContentDigest(header, body);
    if (!check.ok) return fail(401, check.error);
  }
  let key = await resolveKey(env, origin, prepared.keyId);
  if (!key.ok) return key;
  if (!(await verifyPrepared(prepared, key.value.key))) {
    // Keys rotate: refetch once (throttled in the owner's object), then give up.
    key = await resolveKey(env, origin, prepared.keyId, { refresh: true });
    if (!key.ok) return key;
    if (!(await verifyPrepared(prepared, key.value.key))) return fail(401, "Signature verification failed");
  }
  return ok({ keyId: prepared.keyId, owner: key.value.owner, scheme: prepared.scheme });
}

/** Both steps, for callers that already hold the body (or have none). */
export async function verifySignedRequest(
  env: Env,
  origin: string,
  req: SignedRequestParts,
  body: Uint8Array | null,
  now = Date.now(),
): Promise<Result<VerifiedSignature>> {
  const prepared = await prepareInbound(env, req, now);
  if (!prepared.ok) return prepared;
  return completeVerification(env, origin, req, prepared.value, body);
}
