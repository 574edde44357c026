import type { StatusRecord } from "../../schemas/records";
import { serializeAccount, type Origin } from "./account";
import { serializeMediaAttachment } from "./media";

/** StatusEdit entity (https://docs.joinmastodon.org/entities/StatusEdit/): one version of a status. */
export function serializeStatusEdit(v: StatusRecord, o: Origin) {
  return {
    content: v.content,
    spoiler_text: v.spoiler_text,
    sensitive: v.sensitive,
    created_at: v.created_at,
    account: serializeAccount(v.account, o),
    poll: v.poll ? { options: v.poll.options.map((opt) => ({ title: opt.title })) } : null,
    media_attachments: (v.media_attachments ?? []).map((m) => serializeMediaAttachment(m, o)),
    emojis: [] as unknown[],
  };
}
