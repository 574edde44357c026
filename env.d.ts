// Bindings declared in wrangler.toml. Keep the two in step.
interface Env {
  ACCOUNT: DurableObjectNamespace<import("./objects/account/account-object").AccountObject>;
  DIRECTORY: DurableObjectNamespace<import("./objects/directory/directory-object").DirectoryObject>;
  APP: DurableObjectNamespace<import("./objects/app/app-object").AppObject>;
  RATE_LIMIT: DurableObjectNamespace<import("./objects/rate-limit-object").RateLimitObject>;
  INSTANCE_DOMAIN: string;
  INSTANCE_TITLE: string;
  INSTANCE_DESCRIPTION: string;
  INSTANCE_CONTACT_EMAIL: string;
  REGISTRATION_MODE: string;
  ALLOW_PRIVATE_ADDRESSES: string;
  /** Secret: bearer token for the account-creation setup endpoint (first admin). */
  SETUP_TOKEN?: string;
  /** Test-only binding: the Mastodon OpenAPI document as a string (absent without ../shared). */
  OPENAPI_SPEC?: string;
}

declare namespace Cloudflare {
  interface Env extends globalThis.Env {}
}
