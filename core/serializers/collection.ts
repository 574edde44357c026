import { actorUri, serializeAccount, type Origin } from "./account";
import { tagUrl } from "./status";
import type { CollectionItemRecord, CollectionRecord } from "../../schemas/collections";

/** CollectionItem entity: `account_id` only while the item is pending or accepted, as Mastodon's. */
export function serializeCollectionItem(item: CollectionItemRecord) {
  const shown = item.state === "pending" || item.state === "accepted";
  return { id: item.id, state: item.state, created_at: item.created_at, ...(shown ? { account_id: item.account_id } : {}) };
}

/** Collection entity (Mastodon 4.6). */
export function serializeCollection(c: CollectionRecord, o: Origin) {
  return {
    id: c.id,
    uri: `${actorUri(o, c.owner.username)}/collections/${c.id}`,
    url: null,
    name: c.name,
    description: c.description,
    language: c.language,
    account_id: c.owner.id,
    local: true,
    sensitive: c.sensitive,
    discoverable: c.discoverable,
    item_count: c.item_count,
    created_at: c.created_at,
    updated_at: c.updated_at,
    tag: c.tag_name ? { name: c.tag_name, url: tagUrl(o, c.tag_name) } : null,
    items: c.items.map(serializeCollectionItem),
  };
}

/** CollectionWithAccounts: the collection, and the owner and every shown item's account. */
export function serializeCollectionWithAccounts(c: CollectionRecord, o: Origin) {
  const accounts = new Map([[c.owner.id, c.owner], ...c.items.map((i) => [i.account_id, i.account] as const)]);
  return { collection: serializeCollection(c, o), accounts: [...accounts.values()].map((a) => serializeAccount(a, o)) };
}
