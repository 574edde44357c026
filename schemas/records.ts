/**
 * Plain records that objects return over RPC. Serializers in `worker/serializers/` turn them
 * into Mastodon entities; nothing here knows the instance's domain or HTTP.
 */
export type Role = "user" | "moderator" | "admin" | "owner";
export type Visibility = "public" | "unlisted" | "private" | "direct";

export interface ProfileField {
  name: string;
  value: string;
  verified_at: string | null;
}

export interface AccountRecord {
  id: string;
  username: string;
  /** null for local accounts; the remote host for remote ones. */
  domain: string | null;
  email: string;
  display_name: string;
  note: string;
  note_html: string;
  fields: ProfileField[];
  locked: boolean;
  bot: boolean;
  discoverable: boolean;
  indexable: boolean;
  hide_collections: boolean;
  privacy: Visibility;
  sensitive: boolean;
  language: string | null;
  role: Role;
  approved: boolean;
  avatar_url: string | null;
  header_url: string | null;
  created_at: string;
  last_status_at: string | null;
  statuses_count: number;
  followers_count: number;
  following_count: number;
  public_key_pem: string;
}

export interface TokenRecord {
  client_id: string;
  app_name: string;
  app_website: string | null;
  scopes: string[];
  created_at: number;
}

export interface AppRecord {
  id: string;
  client_id: string;
  name: string;
  website: string | null;
  redirect_uris: string[];
  scopes: string[];
  created_at: string;
}
