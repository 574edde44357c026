import { deleteFiles, inspectUpload, readPending, storeUpload } from "../../core/media/store";
import { accountJobs } from "./jobs";
import { expireUnattached, finishProcessing, MEDIA_EXPIRE_JOB, MEDIA_PROCESS_JOB, MEDIA_PURGE_JOB, pendingOf } from "./media";

/**
 * The durable half of uploads: processing those answered with 202, deleting files of uploads
 * and statuses that went, and expiring uploads never attached. Each job is safe to run twice.
 */

accountJobs.register(MEDIA_PROCESS_JOB, async (host, payload: { id: string }) => {
  const pending = pendingOf(host.sql, payload.id);
  if (!pending) return;
  const bytes = await readPending(host.env.MEDIA, pending.pendingKey);
  const inspected = bytes ? await inspectUpload(bytes) : null;
  const stored = bytes && inspected?.ok ? await storeUpload(host.env.MEDIA, bytes, inspected.value) : null;
  host.storage.transactionSync(() => finishProcessing(host.sql, payload.id, stored?.ok ? stored.value : null));
  await deleteFiles(host.env.MEDIA, [pending.pendingKey]);
});

accountJobs.register(MEDIA_PURGE_JOB, async (host, payload: { keys: string[] }) => {
  await deleteFiles(host.env.MEDIA, payload.keys);
});

accountJobs.register(MEDIA_EXPIRE_JOB, async (host, payload: { id: string }) => {
  const keys = expireUnattached(host.sql, payload.id);
  if (keys) await deleteFiles(host.env.MEDIA, keys);
});
