import type { AppRecord } from "../../schemas/records";

/**
 * Application entity (https://docs.joinmastodon.org/entities/Application/). `redirect_uri` is the
 * deprecated single-string form: the registered URIs joined by newlines, as Mastodon stores them.
 */
export function serializeApplication(app: AppRecord, vapidKey: string) {
  return {
    id: app.id,
    name: app.name,
    website: app.website,
    scopes: app.scopes,
    redirect_uri: app.redirect_uris.join("\n"),
    redirect_uris: app.redirect_uris,
    vapid_key: vapidKey,
  };
}

/** CredentialApplication: what `POST /api/v1/apps` returns once, with the client secret. */
export function serializeCredentialApplication(app: AppRecord, clientSecret: string, vapidKey: string) {
  return {
    ...serializeApplication(app, vapidKey),
    client_id: app.client_id,
    client_secret: clientSecret,
    // Secrets never expire; Mastodon always sends 0.
    client_secret_expires_at: 0,
  };
}
