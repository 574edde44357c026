import { createCtx } from "./context";
import { ApiError } from "../lib/result";
import { toErrorResponse } from "./http/errors";
import { browserErrorPage, wantsHtmlError } from "./http/browser-errors";
import { instanceSettings } from "../core/instance-settings";
import { corsPreflight, wantsCors, withCors } from "./http/cors";
import { buildRouter } from "./routes";
import { rateHeaders, runWithRateSlot } from "../lib/rate-limit";
import { withHeaders } from "./http/respond";
import { noteServedOrigin } from "../objects/federation/instance-origin";

export { AccountObject } from "../objects/account/account-object";
export { DirectoryObject } from "../objects/directory/directory-object";
export { AppObject } from "../objects/app/app-object";
export { RateLimitObject } from "../objects/rate-limit-object";
export { StatusIndexObject } from "../objects/status-index/status-index-object";
export { ThreadObject } from "../objects/thread/thread-object";
export { TimelineObject } from "../objects/timeline/timeline-object";
export { RemoteActorObject } from "../objects/federation/remote-actor-object";
export { RemoteAccountIndexObject } from "../objects/federation/remote-account-index-object";
export { InboxObject } from "../objects/federation/inbox-object";
export { DeliveryObject } from "../objects/federation/delivery-object";
export { InstanceActorObject } from "../objects/federation/instance-actor-object";
export { LinkCardObject } from "../objects/link-cards/link-card-object";

const router = buildRouter();

/** `HEAD /` (uptime monitors, link checkers) answers 200 while no page is served at `/`. */
function isRootProbe(request: Request, url: URL): boolean {
  return request.method === "HEAD" && url.pathname === "/";
}

export default {
  async fetch(request: Request, env: Env, exec: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    // Some client libraries add a trailing slash (`/api/v1/instance/`): route both forms.
    if (url.pathname.length > 1 && url.pathname.endsWith("/")) url.pathname = url.pathname.replace(/\/+$/, "");
    const cors = wantsCors(url.pathname);
    if (cors && request.method === "OPTIONS") return corsPreflight(request);

    // Objects that count the caller's requests report its standing through the results the
    // handler unwraps; the tightest becomes the X-RateLimit headers (lib/rate-limit.ts).
    const { value, rate } = await runWithRateSlot(async () => {
      try {
        const c = createCtx(request, url, env, exec);
        exec.waitUntil(noteServedOrigin(env, c.origin));
        const routed = new Request(url.toString(), request);
        const routedResponse = await router.handle(routed, c, url.pathname);
        if (routedResponse) return routedResponse;
        if (isRootProbe(request, url)) return new Response(null);
        throw new ApiError(404, "Record not found");
      } catch (err) {
        // Browsers get an HTML error page; API clients and federation keep `{"error": ...}`.
        return (wantsHtmlError(request, url.pathname) && browserErrorPage(err, instanceSettings(env).title)) || toErrorResponse(err, request, url);
      }
    });
    if (value.webSocket) return value;
    const limits = rate ? rateHeaders(rate, value.status === 429) : {};
    if (cors) return withCors(value, limits);
    return rate ? withHeaders(value, limits) : value;
  },
} satisfies ExportedHandler<Env>;
