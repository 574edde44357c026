import type { ProfileSettings, ProfileSource } from "../../core/serializers/profile";
import type { AccountHost } from "./host";

/** The Profile entity's source (`GET`/`PATCH /api/v1/profile`): the record and the profile settings. */
export function profileSource(host: AccountHost): ProfileSource | null {
  const account = host.record();
  if (!account) return null;
  return { account, settings: readProfileSettings(host.sql) };
}

function readProfileSettings(sql: SqlStorage): ProfileSettings {
  const row = sql
    .exec<{ avatar_description: string; header_description: string; show_media: number; show_media_replies: number; show_featured: number }>(
      "SELECT avatar_description, header_description, show_media, show_media_replies, show_featured FROM account",
    )
    .one();
  return {
    avatar_description: row.avatar_description,
    header_description: row.header_description,
    show_media: row.show_media === 1,
    show_media_replies: row.show_media_replies === 1,
    show_featured: row.show_featured === 1,
  };
}
