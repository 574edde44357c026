import type { PushSubscriptionRecord } from "../../schemas/push";
import type { AccountSnapshot } from "../../schemas/records";
import { MISSING_AVATAR_PATH, type Origin } from "./account";

/** WebPushSubscription entity (https://docs.joinmastodon.org/entities/WebPushSubscription/). */
export function serializeWebPushSubscription(r: PushSubscriptionRecord, serverKey: string) {
  return {
    id: r.id,
    endpoint: r.endpoint,
    standard: r.standard,
    alerts: { ...r.alerts },
    policy: r.policy,
    server_key: serverKey,
  };
}

/** Mastodon's English notification subjects (`notification_mailer.<type>.subject`), `%{name}` first. */
const TITLES: Record<string, (name: string) => string> = {
  mention: (n) => `You were mentioned by ${n}`,
  status: (n) => `${n} just posted`,
  reblog: (n) => `${n} boosted your post`,
  follow: (n) => `${n} is now following you`,
  follow_request: (n) => `Pending follower: ${n}`,
  favourite: (n) => `${n} favorited your post`,
  poll: (n) => `A poll by ${n} has ended`,
  update: (n) => `${n} edited a post`,
  quote: (n) => `${n} quoted your post`,
  quoted_update: (n) => `${n} edited a post you have quoted`,
  "admin.sign_up": (n) => `${n} signed up`,
  "admin.report": (n) => `${n} submitted a report`,
};

/** Mastodon truncates the body to 140 characters, "..." included (Rails' `truncate`). */
export const PUSH_BODY_CHARACTERS = 140;

export function pushTitle(type: string, from: Pick<AccountSnapshot, "display_name" | "username">): string {
  const name = from.display_name.trim() || from.username;
  return (TITLES[type] ?? ((n: string) => `New notification from ${n}`))(name);
}

/** Plain text cut to 140 characters (code points, as Ruby counts them) with "..." when cut. */
export function pushBody(plain: string): string {
  const chars = [...plain.trim()];
  if (chars.length <= PUSH_BODY_CHARACTERS) return chars.join("");
  return chars.slice(0, PUSH_BODY_CHARACTERS - 3).join("") + "...";
}

export interface PushNotificationInput {
  accessToken: string;
  locale: string;
  notificationId: string;
  type: string;
  from: AccountSnapshot;
  /** Plain text of the body's source: the status's content warning or text, else the actor's bio. */
  bodySource: string;
}

/**
 * The decrypted payload as Mastodon's Web::NotificationSerializer writes it. `notification_id` is
 * a JSON number in Mastodon (apps decode it as an integer) and our ids need 64 bits, more than a
 * JavaScript number holds exactly: it is written here as a string, and `pushPayloadJson` turns it
 * into bare digits once the payload has its final size.
 */
export function pushNotificationPayload(input: PushNotificationInput, o: Origin): Record<string, string> {
  return {
    access_token: input.accessToken,
    preferred_locale: input.locale,
    notification_id: input.notificationId,
    notification_type: input.type,
    icon: input.from.avatar_url ?? `${o.origin}${MISSING_AVATAR_PATH}`,
    title: pushTitle(input.type, input.from),
    body: pushBody(input.bodySource),
  };
}

/** Writes `"notification_id":"123"` as `"notification_id":123` (the id is digits only). */
export function numericNotificationId(json: string, id: string): string {
  if (!/^\d{1,20}$/.test(id)) return json;
  return json.replace(`"notification_id":"${id}"`, `"notification_id":${id}`);
}
