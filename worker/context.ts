import { type Params, parseParams } from "./http/body";

/** Everything a route handler needs, built once per request. */
export interface Ctx {
  request: Request;
  url: URL;
  env: Env;
  exec: ExecutionContext;
  /** Route parameters (`:id`), already URI-decoded. */
  route: Record<string, string>;
  /**
   * Query and body parameters merged, parsed on first use. Uploads pass a larger body limit
   * than the default 1 MiB; the first call's limit applies.
   */
  params(maxBodyBytes?: number): Promise<Params>;
  /** The instance's public domain (host[:port]) and origin. */
  domain: string;
  origin: string;
  /** MEDIA_ORIGIN when media are served from a domain of their own. */
  mediaOrigin?: string;
}

export function createCtx(request: Request, url: URL, env: Env, exec: ExecutionContext): Ctx {
  let parsed: Promise<Params> | undefined;
  const domain = env.INSTANCE_DOMAIN || url.host;
  const origin = env.INSTANCE_DOMAIN ? `https://${env.INSTANCE_DOMAIN}` : url.origin;
  return {
    request,
    url,
    env,
    exec,
    route: {},
    params: (maxBodyBytes?: number) => (parsed ??= parseParams(request, url, maxBodyBytes)),
    domain,
    origin,
    ...(env.MEDIA_ORIGIN ? { mediaOrigin: env.MEDIA_ORIGIN.replace(/\/$/, "") } : {}),
  };
}
