import { fail, ok, type Result } from "../../lib/result";
import type { AccountRecord, ModerationView } from "../../schemas/records";
import type { ProfileUpdate } from "../../schemas/accounts";
import type { AccountHost } from "./host";
import { readAccountRow } from "./records";
import { moderationView } from "./moderation";
import { clearProfileImage, profileChanges, replacedImageFiles, writeProfile, type ProfileImage } from "./profile";
import { MEDIA_PURGE_JOB } from "./media";
import { isMediaKey } from "../../core/media/files";
import { profileChanged } from "./profile-copies";
import * as search from "./search";
import { queueLinkVerification } from "./link-verification";
import type { ProfileField } from "../../schemas/records";

/** Applies a validated profile change in one statement (profile.ts), then tells the copies. */
export async function updateProfile(host: AccountHost, update: ProfileUpdate): Promise<Result<AccountRecord>> {
  const current = readAccountRow(host.sql);
  if (!current) return fail(404, "Record not found");
  const replaced = replacedImageFiles(current, (["avatar", "header"] as const).filter((image) => update[image]));
  host.storage.transactionSync(() => {
    const changes = profileChanges(update, current);
    writeProfile(host.sql, changes);
    if (update.fields !== undefined) queueLinkVerification(host, JSON.parse(changes.get("fields") as string) as ProfileField[]);
    if (replaced.length) host.enqueue(MEDIA_PURGE_JOB, { keys: replaced.filter(isMediaKey) });
  });
  search.afterProfileChange(host, current.indexable === 1);
  await profileChanged(host);
  return ok(host.record()!);
}

export async function deleteProfileImage(host: AccountHost, image: ProfileImage): Promise<Result<AccountRecord>> {
  const current = readAccountRow(host.sql);
  if (!current) return fail(404, "Record not found");
  const replaced = replacedImageFiles(current, [image]).filter(isMediaKey);
  host.storage.transactionSync(() => {
    clearProfileImage(host.sql, image);
    if (replaced.length) host.enqueue(MEDIA_PURGE_JOB, { keys: replaced });
  });
  await profileChanged(host);
  return ok(host.record()!);
}

/** Lets an account registered in approval mode use its tokens and sign in. Idempotent. */
export function approve(host: AccountHost): Result<ModerationView> {
  if (!host.record()) return fail(404, "Record not found");
  host.sql.exec("UPDATE account SET approved = 1");
  return ok(moderationView(host)!);
}
