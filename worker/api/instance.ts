import type { Router } from "../router";
import type { Ctx } from "../context";
import { json } from "../http/respond";
import { directoryStub } from "../../core/stubs";
import { instanceDomainBlocks } from "./admin-domain-blocks";
import { ApiError } from "../../lib/result";
import { POSTING_LANGUAGES, instanceSettings } from "../../core/instance-settings";
import { instanceData, peers, weeklyActivity } from "../instance-summary";
import {
  ICON_PATH,
  THUMBNAIL_PATH,
  serializeActivity,
  serializeInstance,
  serializeInstanceV1,
  serializeLanguages,
  serializeRules,
  type InstanceView,
} from "../../core/serializers/instance";

/** Public, polled by every client: shared caches may keep answers for a minute. */
export const PUBLIC_CACHE = "public, max-age=60";

export function publicJson(data: unknown): Response {
  return json(data, { headers: { "cache-control": PUBLIC_CACHE } });
}

async function instanceView(c: Ctx): Promise<InstanceView> {
  const data = await instanceData(c.env);
  return {
    settings: instanceSettings(c.env),
    origin: { origin: c.origin, domain: c.domain },
    stats: data.stats,
    contactAccount: data.contactAccount,
    vapidPublicKey: data.vapidPublicKey,
  };
}

/** The instance's entities and documents: public, no token needed (as in Mastodon). */
export function registerInstance(router: Router): void {
  router.get("/api/v1/instance", async (c) => publicJson(serializeInstanceV1(await instanceView(c))));
  router.get("/api/v2/instance", async (c) => publicJson(serializeInstance(await instanceView(c))));

  router.get("/api/v1/instance/rules", (c) => publicJson(serializeRules(instanceSettings(c.env).rules)));
  router.get("/api/v1/instance/peers", async (c) => publicJson(await peers(c.env)));
  // The moderated servers, public as on the about page.
  router.get("/api/v1/instance/domain_blocks", instanceDomainBlocks);
  router.get("/api/v1/instance/activity", async (c) => publicJson(serializeActivity(await weeklyActivity(c.env))));
  router.get("/api/v1/instance/languages", () => publicJson(serializeLanguages(POSTING_LANGUAGES)));
  // Translation is not offered (configuration.translation.enabled is false): no pairs.
  router.get("/api/v1/instance/translation_languages", () => publicJson({}));

  // No extended description can be set yet: Mastodon's answer for one never set is empty
  // content and a null `updated_at` (its serializer's `updated_at&.iso8601`).
  router.get("/api/v1/instance/extended_description", () => publicJson({ updated_at: null, content: "" }));
  router.get("/api/v1/instance/privacy_policy", (c) => {
    const s = instanceSettings(c.env);
    return publicJson({ updated_at: s.textsUpdatedAt, content: s.privacyPolicyHtml });
  });
  // One version of the terms is kept (configured or default): in effect since the texts' date.
  router.get("/api/v1/instance/terms_of_service", (c) => publicJson(termsOfService(c)));
  router.get("/api/v1/instance/terms_of_service/:date", (c) => {
    const terms = termsOfService(c);
    if (c.route.date !== terms.effective_date) throw new ApiError(404, "Record not found");
    return publicJson(terms);
  });

  router.get(THUMBNAIL_PATH, () => png(THUMBNAIL_PNG));
  router.get(ICON_PATH, () => png(ICON_PNG));
}

// Default artwork, made for Pronghorn: 1-bit palette PNGs (tan and cream).
// Thumbnail 600x315 with two bands; icon 192x192 with a ring.
const THUMBNAIL_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAlgAAAE7AQMAAAA7IG32AAAABlBMVEW1g0r79u5RSlxnAAAAQklEQVR42u3YQREAAAjDsPk3DSbgbo9EQAU0AQAAAAAAAAAA3swdLS0tLa3iFgAAeApaWlpaWp4CAAAAAAAAAABUWdj3rO6kYVboAAAAAElFTkSuQmCC";
const ICON_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAMAAAADAAQMAAABoEv5EAAAABlBMVEW1g0r79u5RSlxnAAABh0lEQVR42u2XPZKDMAxG8bhwmSP4KBzNORpH4QiUFAzeYTcGyejtkITSqgIvWD9g6XPXNWvW7IrlbN/vc16s+z7nnAcDxA3MpofNYCVrrccfmKyYNlvAxdmJL6B2EgoYrSysTPoCau+pgFXfd3m3px1UHVY4wGgV5FyUeIDZjraO9zfapzvH+1oj1mV0rwRcnYgvS6QqEV+iiRUIJbFQZfgoS7sqw7hHmXSGcc+r1+C4jDr1tLsMOvW0B+k1OPJ1uibiSgEnnk+yWE6E0kvgNRgkmEWug6zhJMo2SjBav9W/5NMbGIS/CyCK2J2s+39A1m2W70mCRYBVvptLYOnMi6TB+hWY5cf3DcgaZAEmtSUauBdA2W98tTd+cPhRf7I/YKvh5nx/n7/fS7AtYSPD1ofNEtsrNmRs4dj0eUzgYMFRhMMLxx0OSBypOIRxbOOgR2mAYoLlBwoWlDgoilBGofBCqYbijuUgCkiUnChSUdayEEbpjGIb5TkLejwC4KGBjxnNmjWr7AfV/EeAtVWe+QAAAABJRU5ErkJggg==";

function termsOfService(c: Ctx) {
  const s = instanceSettings(c.env);
  return { effective_date: s.textsUpdatedAt.slice(0, 10), effective: true, content: s.termsHtml, succeeded_by: null };
}

const decoded = new Map<string, Uint8Array>();

function png(base64: string): Response {
  let bytes = decoded.get(base64);
  if (!bytes) {
    bytes = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
    decoded.set(base64, bytes);
  }
  return new Response(bytes, { headers: { "content-type": "image/png", "cache-control": "public, max-age=86400" } });
}
