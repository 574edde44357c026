import { profileImageUrl } from "../media/files";
import type { AccountRecord } from "../../schemas/records";
import type { Origin } from "./account";

/** What the Profile entity shows beyond the account record (Mastodon 4.6 profile settings). */
export interface ProfileSettings {
  avatar_description: string;
  header_description: string;
  show_media: boolean;
  show_media_replies: boolean;
  show_featured: boolean;
}

export interface ProfileSource {
  account: AccountRecord;
  settings: ProfileSettings;
}

/**
 * Profile entity (Mastodon 4.6, `GET /api/v1/profile`): the owner's editable values as typed,
 * the note and field values unrendered, and images null while unset (the Account shows defaults).
 */
export function serializeProfile({ account: a, settings }: ProfileSource, o: Origin) {
  const image = (stored: string | null | undefined) => (stored ? profileImageUrl(stored, o.origin, o.mediaOrigin) : null);
  const avatar = image(a.avatar_url);
  const header = image(a.header_url);
  return {
    id: a.id,
    display_name: a.display_name,
    note: a.note,
    fields: a.fields.map((f) => ({ name: f.name, value: f.value, verified_at: f.verified_at })),
    avatar,
    avatar_static: a.avatar_static_url ? image(a.avatar_static_url) : avatar,
    avatar_description: settings.avatar_description,
    header,
    header_static: a.header_static_url ? image(a.header_static_url) : header,
    header_description: settings.header_description,
    locked: a.locked,
    bot: a.bot,
    hide_collections: a.hide_collections,
    discoverable: a.discoverable,
    indexable: a.indexable,
    show_media: settings.show_media,
    show_media_replies: settings.show_media_replies,
    show_featured: settings.show_featured,
    attribution_domains: a.attribution_domains ?? [],
  };
}
