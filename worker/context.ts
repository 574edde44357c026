import { type Params, parseParams } from "./http/body";

/** Everything a route handler needs, built once per request. */
export interface Ctx {
  request: Request;
  url: URL;
  env: Env;
  exec: ExecutionContext;
  /** Route parameters (`:id`), already URI-decoded. */
  route: Record<string, string>;
  /** Query and body parameters merged, parsed on first use. */
  params(): Promise<Params>;
  /** The instance's public domain (host[:port]) and origin. */
  domain: string;
  origin: string;
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
    params: () => (parsed ??= parseParams(request, url)),
    domain,
    origin,
  };
}
