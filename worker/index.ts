import { createCtx } from "./context";
import { ApiError } from "../lib/result";
import { toErrorResponse } from "./http/errors";
import { browserErrorPage, wantsHtmlError } from "./http/browser-errors";
import { instanceSettings } from "../core/instance-settings";
import { corsPreflight, wantsCors, withCors } from "./http/cors";
import { buildRouter } from "./routes";
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

const router = buildRouter();

export default {
  async fetch(request: Request, env: Env, exec: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    // Some client libraries add a trailing slash (`/api/v1/instance/`): route both forms.
    if (url.pathname.length > 1 && url.pathname.endsWith("/")) url.pathname = url.pathname.replace(/\/+$/, "");
    const cors = wantsCors(url.pathname);
    if (cors && request.method === "OPTIONS") return corsPreflight(request);

    let response: Response;
    try {
      const c = createCtx(request, url, env, exec);
      exec.waitUntil(noteServedOrigin(env, c.origin));
      const routed = new Request(url.toString(), request);
      const routedResponse = await router.handle(routed, c, url.pathname);
      if (!routedResponse) throw new ApiError(404, "Record not found");
      response = routedResponse;
    } catch (err) {
      response = (wantsHtmlError(request, url.pathname) && browserErrorPage(err, instanceSettings(env).title)) || toErrorResponse(err);
    }
    if (response.webSocket || !cors) return response;
    return withCors(response);
  },
} satisfies ExportedHandler<Env>;
