import type { PreviewCardRecord } from "../../schemas/records";
import { serializeAccount, type Origin } from "./account";

/**
 * PreviewCard (https://docs.joinmastodon.org/entities/PreviewCard/). `image` is the linked
 * page's own image address (cards are not copied to our media storage); `blurhash` is null
 * (computing one would mean downloading and decoding that image). `authors` carry the account
 * behind the page's `fediverse:creator` when it resolved.
 */
export function serializePreviewCard(c: PreviewCardRecord, o: Origin) {
  const authors = (c.authors ?? []).map((a) => ({
    name: a.name,
    url: a.url || (a.account ? (a.account.url ?? `${o.origin}/@${a.account.username}`) : ""),
    account: a.account ? serializeAccount(a.account, o) : null,
  }));
  return {
    url: c.url,
    title: c.title,
    description: c.description,
    language: c.language,
    type: c.type,
    author_name: c.author_name,
    author_url: c.author_url,
    provider_name: c.provider_name,
    provider_url: c.provider_url,
    html: c.html,
    width: c.width,
    height: c.height,
    image: c.image,
    image_description: "",
    embed_url: c.embed_url,
    blurhash: c.blurhash,
    published_at: c.published_at,
    authors,
  };
}
