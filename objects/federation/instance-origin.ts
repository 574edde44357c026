import type { Origin } from "../../core/serializers/account";
import { instanceActorStub } from "../../core/stubs";

/**
 * The instance's public origin for code that runs outside a request (jobs in the account
 * objects, deliveries). With INSTANCE_DOMAIN set it is `https://<domain>`. In local mode the
 * domain is the request Host, so the Worker records the first origin it serves in the instance
 * actor object (`noteServedOrigin`), and objects read it from there once per isolate.
 */
let cached: Origin | null = null;
let noted = false;

function fromOrigin(origin: string): Origin {
  return { origin, domain: new URL(origin).host };
}

export function configuredOrigin(env: Env): Origin | null {
  return env.INSTANCE_DOMAIN ? withMedia(env, { origin: `https://${env.INSTANCE_DOMAIN}`, domain: env.INSTANCE_DOMAIN }) : null;
}

/** Media files may be served from an origin of their own (MEDIA_ORIGIN, e.g. an R2 custom domain). */
function withMedia(env: Env, o: Origin): Origin {
  return env.MEDIA_ORIGIN ? { ...o, mediaOrigin: env.MEDIA_ORIGIN.replace(/\/$/, "") } : o;
}

/** Our origin, or null when no request has been served yet (local mode only). */
export async function instanceOrigin(env: Env): Promise<Origin | null> {
  const configured = configuredOrigin(env);
  if (configured) return configured;
  if (cached) return withMedia(env, cached);
  const stored = await instanceActorStub(env).origin();
  if (stored) cached = fromOrigin(stored);
  return cached && withMedia(env, cached);
}

/** Like instanceOrigin, but throws (a job retries) when it is not known yet. */
export async function requireInstanceOrigin(env: Env): Promise<Origin> {
  const o = await instanceOrigin(env);
  if (!o) throw new Error("the instance origin is not known yet (no request served)");
  return o;
}

/**
 * Called by the Worker for each request in local mode; records the origin once per isolate
 * (first wins, kept by the instance actor object). Returns a promise for `waitUntil`.
 */
export async function noteServedOrigin(env: Env, origin: string): Promise<void> {
  if (env.INSTANCE_DOMAIN || noted) return;
  noted = true;
  try {
    cached = fromOrigin(await instanceActorStub(env).rememberOrigin(origin));
  } catch {
    noted = false;
  }
}
