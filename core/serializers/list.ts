import type { ListRecord } from "../../schemas/records";

/** List entity (https://docs.joinmastodon.org/entities/List/). */
export function serializeList(l: ListRecord) {
  return { id: l.id, title: l.title, replies_policy: l.replies_policy, exclusive: l.exclusive };
}
