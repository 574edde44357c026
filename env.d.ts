// Bindings declared in wrangler.toml. Keep the two in step.
interface Env {
  ACCOUNT: DurableObjectNamespace<import("./objects/account/account-object").AccountObject>;
  DIRECTORY: DurableObjectNamespace<import("./objects/directory/directory-object").DirectoryObject>;
  APP: DurableObjectNamespace<import("./objects/app/app-object").AppObject>;
  STATUS_INDEX: DurableObjectNamespace<import("./objects/status-index/status-index-object").StatusIndexObject>;
  THREAD: DurableObjectNamespace<import("./objects/thread/thread-object").ThreadObject>;
  TIMELINE: DurableObjectNamespace<import("./objects/timeline/timeline-object").TimelineObject>;
  RATE_LIMIT: DurableObjectNamespace<import("./objects/rate-limit-object").RateLimitObject>;
  REMOTE_ACTOR: DurableObjectNamespace<import("./objects/federation/remote-actor-object").RemoteActorObject>;
  REMOTE_ACCOUNT_INDEX: DurableObjectNamespace<import("./objects/federation/remote-account-index-object").RemoteAccountIndexObject>;
  INBOX: DurableObjectNamespace<import("./objects/federation/inbox-object").InboxObject>;
  DELIVERY: DurableObjectNamespace<import("./objects/federation/delivery-object").DeliveryObject>;
  INSTANCE_ACTOR: DurableObjectNamespace<import("./objects/federation/instance-actor-object").InstanceActorObject>;
  LINK_CARD: DurableObjectNamespace<import("./objects/link-cards/link-card-object").LinkCardObject>;
  INSTANCE_DOMAIN: string;
  INSTANCE_TITLE: string;
  INSTANCE_DESCRIPTION: string;
  INSTANCE_CONTACT_EMAIL: string;
  REGISTRATION_MODE: string;
  /** "true": only domains on the moderators' allow-list federate (optional). */
  LIMITED_FEDERATION_MODE?: string;
  /** Who may read /api/v1/instance/domain_blocks: all (default), users, disabled (optional). */
  SHOW_DOMAIN_BLOCKS?: string;
  /** Whose eyes the blocks' public comments reach: all (default), users, disabled (optional). */
  SHOW_DOMAIN_BLOCKS_RATIONALE?: string;
  /** Shown by apps when registrations are closed (optional). */
  REGISTRATION_MESSAGE?: string;
  /** Instance rules, one per line (optional). */
  INSTANCE_RULES?: string;
  /** Comma-separated ISO 639-1 codes the instance is run in (optional, default "en"). */
  INSTANCE_LANGUAGES?: string;
  /** Privacy policy, plain text with blank lines between paragraphs (optional, a default otherwise). */
  INSTANCE_PRIVACY_POLICY?: string;
  /** Terms of service, plain text with blank lines between paragraphs (optional, a default otherwise). */
  INSTANCE_TERMS?: string;
  /** YYYY-MM-DD: when the privacy policy and terms last changed (optional). */
  INSTANCE_TEXTS_UPDATED_AT?: string;
  ALLOW_PRIVATE_ADDRESSES: string;
  /** Media files (uploads, avatars, headers): R2. */
  MEDIA: R2Bucket;
  /** Optional origin media are served from (an R2 custom domain), e.g. https://media.example.com. */
  MEDIA_ORIGIN?: string;
  /** Secret: bearer token for the account-creation setup endpoint (first admin). */
  SETUP_TOKEN?: string;
  /** Multiplies the API rate limits (default 1: Mastodon's). */
  RATE_LIMIT_FACTOR?: string;
  /** Annual reports: the year whose report may be generated ("" = Mastodon's 10–31 December campaign; "off" = none). */
  ANNUAL_REPORT_YEAR?: string;
  /** Test-only binding: the Mastodon OpenAPI document as a string (absent without ../shared). */
  OPENAPI_SPEC?: string;
}

declare namespace Cloudflare {
  interface Env extends globalThis.Env {}
}
