import { version as packageVersion } from "../package.json";
import { MEDIA_LIMITS as MEDIA_LIBRARY_LIMITS } from "../lib/media/limits";
import { escapeHtml } from "../lib/text";
import { DISPLAY_NAME_MAX, FIELD_NAME_MAX, FIELD_VALUE_MAX, IMAGE_DESCRIPTION_MAX, MAX_FIELDS, NOTE_MAX } from "../schemas/accounts";

/**
 * Instance configuration: the one place that reads it from env vars, plus the limits the
 * instance advertises (and enforces elsewhere). `readInstanceSettings` is a pure function of
 * env so that every mode can be unit-tested; the public domain is read in `worker/context.ts`.
 *
 * Env vars (wrangler.toml [vars] or `wrangler secret`/dashboard):
 * - INSTANCE_TITLE, INSTANCE_DESCRIPTION, INSTANCE_CONTACT_EMAIL
 * - REGISTRATION_MODE: open | approval | closed (anything else counts as closed)
 * - REGISTRATION_MESSAGE: shown by apps when registrations are closed (optional)
 * - INSTANCE_RULES: one rule per line (optional; default none)
 * - INSTANCE_LANGUAGES: comma-separated ISO 639-1 codes the instance is run in (default "en")
 * - INSTANCE_PRIVACY_POLICY, INSTANCE_TERMS: plain text, paragraphs split by blank lines (optional;
 *   defaults below). INSTANCE_TEXTS_UPDATED_AT: the date they last changed (YYYY-MM-DD, optional).
 */

/** The Mastodon release whose API we follow. */
export const MASTODON_COMPAT_VERSION = "4.5.0";
export const PRONGHORN_VERSION: string = packageVersion;
/** Semver with build metadata: clients parse the part before `+` as Mastodon's version. */
export const VERSION = `${MASTODON_COMPAT_VERSION}+pronghorn.${PRONGHORN_VERSION}`;
export const SOURCE_URL = "https://github.com/pronghorn-social/pronghorn";

/**
 * `api_versions.mastodon` is a promise to clients, and the levels are cumulative: claiming one
 * claims everything below it. What each level adds (Mastodon's API documentation, as carried by
 * the reference OpenAPI schema), and where we stand:
 * 2 (4.3): grouped notifications, `/api/v2/notifications` and its group routes. Done.
 * 3 (4.4): `attribution_domains` in `update_credentials` (the official Android app also takes 3
 *    as "PKCE works"). Both work. Done.
 * 4 (4.4): `DELETE /api/v1/media/:id` and `delete_media` on status deletion (the Android app
 *    subscribes with `standard` RFC 8291 push from 4). All three work. Done.
 * 5 (4.4): the `blur` filter action (accepted here). 7 (4.5): quote posts: built
 *    (worker/api/quotes.ts), waiting for the levels below. 8-11 (4.6): later.
 * Clients below level 4 subscribe without `standard` and get the legacy `aesgcm` coding,
 * Mastodon's default, which is implemented too.
 */
export const MASTODON_API_VERSION = 4;

export type RegistrationMode = "open" | "approval" | "closed";

export interface InstanceRule {
  id: string;
  text: string;
  hint: string;
}

export interface InstanceSettings {
  title: string;
  description: string;
  /** Never null: clients expect a string, "" when unset. */
  contactEmail: string;
  registrationMode: RegistrationMode;
  registrationMessage: string | null;
  rules: InstanceRule[];
  languages: string[];
  /** HTML made from the configured plain text (escaped), or the default policy. */
  privacyPolicyHtml: string;
  termsHtml: string;
  /** When the texts last changed (ISO 8601). */
  textsUpdatedAt: string;
}

export type InstanceEnv = Partial<
  Pick<
    Env,
    | "INSTANCE_TITLE"
    | "INSTANCE_DESCRIPTION"
    | "INSTANCE_CONTACT_EMAIL"
    | "REGISTRATION_MODE"
    | "REGISTRATION_MESSAGE"
    | "INSTANCE_RULES"
    | "INSTANCE_LANGUAGES"
    | "INSTANCE_PRIVACY_POLICY"
    | "INSTANCE_TERMS"
    | "INSTANCE_TEXTS_UPDATED_AT"
  >
>;

const DEFAULT_TITLE = "Pronghorn";
const DEFAULT_DESCRIPTION = "A Mastodon-compatible server running on Cloudflare Workers.";

export function readInstanceSettings(env: InstanceEnv): InstanceSettings {
  return {
    title: env.INSTANCE_TITLE?.trim() || DEFAULT_TITLE,
    description: env.INSTANCE_DESCRIPTION?.trim() || DEFAULT_DESCRIPTION,
    contactEmail: env.INSTANCE_CONTACT_EMAIL?.trim() ?? "",
    registrationMode: parseRegistrationMode(env.REGISTRATION_MODE),
    registrationMessage: env.REGISTRATION_MESSAGE?.trim() || null,
    rules: parseRules(env.INSTANCE_RULES),
    languages: parseLanguages(env.INSTANCE_LANGUAGES),
    privacyPolicyHtml: textToHtml(env.INSTANCE_PRIVACY_POLICY) ?? DEFAULT_PRIVACY_POLICY_HTML,
    termsHtml: textToHtml(env.INSTANCE_TERMS) ?? DEFAULT_TERMS_HTML,
    textsUpdatedAt: parseDate(env.INSTANCE_TEXTS_UPDATED_AT) ?? DEFAULT_TEXTS_UPDATED_AT,
  };
}

const settingsCache = new WeakMap<object, InstanceSettings>();

/** `readInstanceSettings` memoised per env object (the same object for an isolate's lifetime). */
export function instanceSettings(env: Env): InstanceSettings {
  let settings = settingsCache.get(env);
  if (!settings) {
    settings = readInstanceSettings(env);
    settingsCache.set(env, settings);
  }
  return settings;
}

/** An unknown value closes registrations: a typo must not open a private instance. */
export function parseRegistrationMode(value: string | undefined): RegistrationMode {
  const mode = (value ?? "open").trim().toLowerCase();
  if (mode === "open" || mode === "approval" || mode === "closed") return mode;
  return "closed";
}

function parseRules(value: string | undefined): InstanceRule[] {
  return (value ?? "")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((text, i) => ({ id: String(i + 1), text, hint: "" }));
}

/** Plain text to HTML: escaped, one `<p>` per blank-line-separated paragraph, line breaks kept. */
export function textToHtml(value: string | undefined): string | null {
  const paragraphs = (value ?? "")
    .split(/\r?\n\s*\r?\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (paragraphs.length === 0) return null;
  return paragraphs.map((p) => `<p>${escapeHtml(p).replace(/\r?\n/g, "<br>")}</p>`).join("");
}

function parseDate(value: string | undefined): string | null {
  const v = value?.trim() ?? "";
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return null;
  const date = new Date(`${v}T00:00:00.000Z`);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function parseLanguages(value: string | undefined): string[] {
  const codes = (value ?? "")
    .split(",")
    .map((code) => code.trim().toLowerCase())
    .filter((code) => POSTING_LANGUAGES.includes(code));
  return codes.length > 0 ? [...new Set(codes)] : ["en"];
}

// ----- limits: advertised by the instance entities; the statuses/media/polls code enforces them -----

export const ACCOUNT_LIMITS = {
  max_featured_tags: 10,
  max_pinned_statuses: 5,
  max_profile_fields: MAX_FIELDS,
  profile_field_name_limit: FIELD_NAME_MAX,
  profile_field_value_limit: FIELD_VALUE_MAX,
  max_display_name_length: DISPLAY_NAME_MAX,
  max_note_length: NOTE_MAX,
  max_avatar_description_length: IMAGE_DESCRIPTION_MAX,
  max_header_description_length: IMAGE_DESCRIPTION_MAX,
};

export const STATUS_LIMITS = {
  max_characters: 500,
  max_media_attachments: 4,
  characters_reserved_per_url: 23,
};

/** What `configuration.media_attachments` advertises: the limits uploads are held to (lib/media/limits.ts). */
export const MEDIA_LIMITS = {
  supported_mime_types: MEDIA_LIBRARY_LIMITS.supported_mime_types,
  image_size_limit: MEDIA_LIBRARY_LIMITS.image_size_limit,
  image_matrix_limit: MEDIA_LIBRARY_LIMITS.image_matrix_limit,
  video_size_limit: MEDIA_LIBRARY_LIMITS.video_size_limit,
  video_frame_rate_limit: MEDIA_LIBRARY_LIMITS.video_frame_rate_limit,
  video_matrix_limit: MEDIA_LIBRARY_LIMITS.video_matrix_limit,
  description_limit: MEDIA_LIBRARY_LIMITS.description_limit,
};

export const POLL_LIMITS = {
  max_options: 4,
  max_characters_per_option: 50,
  min_expiration: 300,
  max_expiration: 2_629_746,
};

/** Languages a post may be written in (ISO 639-1), as /api/v1/instance/languages lists them. */
export const POSTING_LANGUAGES: readonly string[] = (
  "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de " +
  "dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia " +
  "id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo " +
  "lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl " +
  "ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk " +
  "tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"
).split(" ");

// ----- documents -----

/** When the default texts below were written: their `updated_at`. */
export const DEFAULT_TEXTS_UPDATED_AT = "2026-11-26T00:00:00.000Z";

/** Served until an admin can set the instance's own policy. It states what the code does. */
export const DEFAULT_PRIVACY_POLICY_HTML = [
  "<h2>What this server stores</h2>",
  "<p>Your username, email address, a salted hash of your password, your profile and everything you post. " +
    "Sign-in tokens are stored hashed. Addresses of failed sign-in attempts are kept briefly, in memory only, to limit password guessing.</p>",
  "<h2>Who can see it</h2>",
  "<p>Public and unlisted posts and your profile can be seen by anyone and are sent to other servers in the fediverse " +
    "when people there follow you or are mentioned. Followers-only posts go to your followers' servers; direct posts to the people mentioned. " +
    "Other servers keep their own copies under their own policies.</p>",
  "<h2>Your choices</h2>",
  "<p>You can edit or delete your posts and profile. Contact the administrator of this server to have your account deleted.</p>",
].join("");

/** Served until the instance sets its own terms (INSTANCE_TERMS). */
export const DEFAULT_TERMS_HTML = [
  "<h2>Using this server</h2>",
  "<p>By creating an account you agree to follow the server rules. The administrator may remove content or suspend accounts that break them.</p>",
  "<h2>Your content</h2>",
  "<p>You keep the rights to what you post. You allow this server to store it and to send it to the people and servers it is addressed to, " +
    "as the fediverse needs to show it.</p>",
  "<h2>No warranty</h2>",
  "<p>The service is provided as is, without any guarantee of availability. You may stop using it at any time and ask for your account to be deleted.</p>",
].join("");
