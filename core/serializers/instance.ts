import type { AccountRecord, CustomEmojiRecord } from "../../schemas/records";
import { serializeAccount, type Origin } from "./account";
import {
  ACCOUNT_LIMITS,
  MASTODON_API_VERSION,
  MASTODON_COMPAT_VERSION,
  MEDIA_LIMITS,
  POLL_LIMITS,
  PRONGHORN_VERSION,
  SOURCE_URL,
  STATUS_LIMITS,
  VERSION,
  type InstanceRule,
  type InstanceSettings,
} from "../instance-settings";

import { WEEK_MS, weekStartOf } from "../../lib/weeks";

export const THUMBNAIL_PATH = "/instance/thumbnail.png";
export const ICON_PATH = "/instance/icon.png";
export const ICON_SIZE = "192x192";

/** Everything the instance entities are made from; gathered by the Worker, no I/O here. */
export interface InstanceView {
  settings: InstanceSettings;
  origin: Origin;
  stats: InstanceStats;
  contactAccount: AccountRecord | null;
  vapidPublicKey: string;
}

/** `ws://` for `http://`, `wss://` for `https://`: the streaming API's base URL. */
export function streamingUrl(origin: string): string {
  return origin.replace(/^http/, "ws");
}

export function serializeRules(rules: InstanceRule[]) {
  return rules.map((r) => ({ id: r.id, text: r.text, hint: r.hint, translations: {} }));
}

function registrations(settings: InstanceSettings) {
  const mode = settings.registrationMode;
  return {
    enabled: mode !== "closed",
    approval_required: mode === "approval",
    reason_required: false,
    message: mode === "closed" ? settings.registrationMessage : null,
    min_age: null,
    url: null,
  };
}

/** Instance (v2), https://docs.joinmastodon.org/entities/Instance/ */
export function serializeInstance(v: InstanceView) {
  const { settings, origin } = v;
  return {
    domain: origin.domain,
    title: settings.title,
    version: VERSION,
    source_url: SOURCE_URL,
    description: settings.description,
    usage: { users: { active_month: v.stats.activeMonth } },
    thumbnail: { url: `${origin.origin}${THUMBNAIL_PATH}` },
    icon: [{ src: `${origin.origin}${ICON_PATH}`, size: ICON_SIZE }],
    languages: settings.languages,
    configuration: {
      urls: {
        streaming: streamingUrl(origin.origin),
        status: null,
        about: `${origin.origin}/about`,
        privacy_policy: `${origin.origin}/privacy-policy`,
        terms_of_service: `${origin.origin}/terms`,
      },
      vapid: { public_key: v.vapidPublicKey },
      accounts: { ...ACCOUNT_LIMITS },
      statuses: { ...STATUS_LIMITS },
      media_attachments: { ...MEDIA_LIMITS, supported_mime_types: [...MEDIA_LIMITS.supported_mime_types] },
      polls: { ...POLL_LIMITS },
      translation: { enabled: false },
      limited_federation: false,
      timelines_access: TIMELINES_ACCESS,
    },
    registrations: registrations(settings),
    api_versions: { mastodon: MASTODON_API_VERSION },
    contact: {
      email: settings.contactEmail,
      account: v.contactAccount ? serializeAccount(v.contactAccount, origin) : null,
    },
    rules: serializeRules(settings.rules),
  };
}

/**
 * Who may read the instance-wide feeds (Mastodon 4.4+): everyone, since the public, hashtag and
 * trending-link timelines are open to anonymous readers here (local and remote posts alike).
 */
const TIMELINES_ACCESS = {
  live_feeds: { local: "public", remote: "public" },
  hashtag_feeds: { local: "public", remote: "public" },
  trending_link_feeds: { local: "public", remote: "public" },
} as const;

/** V1Instance, https://docs.joinmastodon.org/entities/V1_Instance/ */
export function serializeInstanceV1(v: InstanceView) {
  const { settings, origin } = v;
  const reg = registrations(settings);
  return {
    uri: origin.domain,
    title: settings.title,
    short_description: settings.description,
    description: settings.description,
    email: settings.contactEmail,
    version: VERSION,
    urls: { streaming_api: streamingUrl(origin.origin) },
    stats: { user_count: v.stats.users, status_count: v.stats.localPosts, domain_count: v.stats.domains },
    thumbnail: `${origin.origin}${THUMBNAIL_PATH}`,
    languages: settings.languages,
    registrations: reg.enabled,
    approval_required: reg.approval_required,
    invites_enabled: false,
    configuration: {
      accounts: { max_featured_tags: ACCOUNT_LIMITS.max_featured_tags },
      statuses: { ...STATUS_LIMITS },
      media_attachments: { ...MEDIA_LIMITS, supported_mime_types: [...MEDIA_LIMITS.supported_mime_types] },
      polls: { ...POLL_LIMITS },
    },
    contact_account: v.contactAccount ? serializeAccount(v.contactAccount, origin) : null,
    rules: serializeRules(settings.rules),
  };
}

/** CustomEmoji, https://docs.joinmastodon.org/entities/CustomEmoji/ */
export function serializeCustomEmoji(e: CustomEmojiRecord, o: Origin) {
  return {
    shortcode: e.shortcode,
    url: absolute(e.url, o),
    static_url: absolute(e.static_url, o),
    visible_in_picker: e.visible_in_picker,
    category: e.category,
  };
}

function absolute(url: string, o: Origin): string {
  return url.startsWith("/") ? `${o.origin}${url}` : url;
}

/** Starts (ms, Monday 00:00 UTC) of the current week and the `count - 1` before it, newest first. */
export function weekStarts(now: number, count: number): number[] {
  const monday = weekStartOf(now);
  return Array.from({ length: count }, (_, i) => monday - i * WEEK_MS);
}

export interface WeekActivity {
  start: number;
  statuses: number;
  logins: number;
  registrations: number;
}

/** /api/v1/instance/activity: numbers as strings, `week` in Unix seconds. */
export function serializeActivity(weeks: WeekActivity[]) {
  return weeks.map((w) => ({
    week: String(Math.floor(w.start / 1000)),
    statuses: String(w.statuses),
    logins: String(w.logins),
    registrations: String(w.registrations),
  }));
}

let languageNames: Intl.DisplayNames | null = null;

/** [{code, name}] with English names, as Mastodon's /api/v1/instance/languages. */
export function serializeLanguages(codes: readonly string[]) {
  languageNames ??= new Intl.DisplayNames(["en"], { type: "language", fallback: "code" });
  return codes.map((code) => ({ code, name: languageNames!.of(code) ?? code }));
}

export const NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/";

/** NodeInfo 2.0 / 2.1 (https://nodeinfo.diaspora.software/). */
export function serializeNodeInfo(version: "2.0" | "2.1", settings: InstanceSettings, stats: InstanceStats) {
  const software =
    version === "2.1"
      ? { name: "pronghorn", version: PRONGHORN_VERSION, repository: SOURCE_URL, homepage: SOURCE_URL }
      : { name: "pronghorn", version: PRONGHORN_VERSION };
  return {
    version,
    software,
    protocols: ["activitypub"],
    services: { outbound: [] as string[], inbound: [] as string[] },
    usage: {
      users: { total: stats.users, activeMonth: stats.activeMonth, activeHalfyear: stats.activeHalfyear },
      localPosts: stats.localPosts,
    },
    // As Mastodon: registrations that need approval still count as open.
    openRegistrations: settings.registrationMode !== "closed",
    metadata: {
      nodeName: settings.title,
      nodeDescription: settings.description,
      // Client libraries (megalodon) pick the Mastodon API for unknown software by this.
      upstream: { name: "mastodon", version: MASTODON_COMPAT_VERSION },
    },
  };
}

export interface InstanceStats {
  users: number;
  /** Accounts active (an authenticated request, marked once a day) in the last 30 and 180 days. */
  activeMonth: number;
  activeHalfyear: number;
  /** Statuses of local accounts (their `statuses_count`, as the directory last heard it). */
  localPosts: number;
  /** Other servers seen by federation. */
  domains: number;
}
