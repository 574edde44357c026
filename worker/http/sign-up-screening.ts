import type { Ctx } from "../context";
import { ApiError } from "../../lib/result";
import { directoryStub } from "../../core/stubs";
import { canonicalEmailHash } from "../../lib/canonical-email";
import { validationFailed } from "../../schemas/accounts";
import { clientAddress, isLocalAddress } from "./client-address";

/**
 * The moderators' blocks at the door (objects/directory/sign-up-blocks.ts), as Mastodon applies
 * them: an address in a `sign_up_block` or `no_access` range may not sign up (403), one in a
 * `sign_up_requires_approval` range (or an e-mail domain blocked "with approval") signs up
 * unapproved; a blocked e-mail domain is a 422 `ERR_BLOCKED` on `email`, a blocked canonical
 * address `ERR_TAKEN`. A `no_access` address may not sign in either.
 */
export function requestAddress(c: Ctx): string | null {
  const address = clientAddress(c.request);
  return address === "local" ? null : address;
}

/** Checks a sign-up; returns whether it must wait for approval. */
export async function screenSignUp(env: Env, email: string, address: string | null): Promise<{ requiresApproval: boolean }> {
  const screening = await directoryStub(env).screenSignUp({ email, canonicalHash: await canonicalEmailHash(email), address });
  if (screening.refused) throw new ApiError(403, "This action is not allowed");
  if (screening.emailDomainBlocked) throw validationFailed({ email: [{ error: "ERR_BLOCKED", description: "uses a disallowed e-mail provider" }] });
  if (screening.canonicalBlocked) throw validationFailed({ email: [{ error: "ERR_TAKEN", description: "is already taken" }] });
  return { requiresApproval: screening.requiresApproval };
}

/** Whether the request's address is in a `no_access` range (loopback never is). */
export async function addressHasNoAccess(c: Ctx): Promise<boolean> {
  const address = requestAddress(c);
  if (!address || isLocalAddress(address)) return false;
  return (await directoryStub(c.env).addressSeverities(address)).includes("no_access");
}
