import type { Router } from "../router";
import type { Ctx } from "../context";
import { notFound, unwrap } from "../../lib/result";
import { userObject } from "../http/auth";
import { json } from "../http/respond";
import { cursorLink, linkHeaders, readPage } from "../http/pagination";
import { serializeConversation } from "../../core/serializers/timeline";

/** Direct-message conversations, served by the caller's own object. */
export function registerConversations(router: Router): void {
  router.get("/api/v1/conversations", list);
  router.post("/api/v1/conversations/:id/read", read);
  router.delete("/api/v1/conversations/:id", remove);
}

const isId = (v: string) => /^\d{1,20}$/.test(v);

async function list(c: Ctx): Promise<Response> {
  const { stub, token } = await userObject(c, "read:statuses");
  const page = unwrap(await stub.conversations(token, readPage(await c.params())));
  const body = page.conversations.map((conv) => serializeConversation(conv, c, page.flags));
  return json(body, { headers: linkHeaders(cursorLink(c.url, page.cursor)) });
}

async function read(c: Ctx): Promise<Response> {
  const { stub, token } = await userObject(c, "write:conversations");
  if (!isId(c.route.id)) throw notFound();
  const { conversation, flags } = unwrap(await stub.readConversation(token, c.route.id));
  return json(serializeConversation(conversation, c, flags));
}

async function remove(c: Ctx): Promise<Response> {
  const { stub, token } = await userObject(c, "write:conversations");
  if (!isId(c.route.id)) throw notFound();
  unwrap(await stub.removeConversation(token, c.route.id));
  return json({});
}
