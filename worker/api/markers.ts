import type { Router } from "../router";
import type { Ctx } from "../context";
import { unwrap } from "../../lib/result";
import { userObject } from "../http/auth";
import { json } from "../http/respond";
import { parseOrFail } from "../../schemas/accounts";
import { markersQuerySchema, markersSaveSchema } from "../../schemas/timelines";
import { serializeMarkers } from "../../core/serializers/timeline";

/** Read positions in home and notifications, synced between a person's apps. */
export function registerMarkers(router: Router): void {
  router.get("/api/v1/markers", show);
  router.post("/api/v1/markers", save);
}

async function show(c: Ctx): Promise<Response> {
  const { stub, token } = await userObject(c, "read:statuses");
  const { timeline } = parseOrFail(markersQuerySchema, await c.params());
  return json(serializeMarkers(unwrap(await stub.markers(token, timeline))));
}

async function save(c: Ctx): Promise<Response> {
  const { stub, token } = await userObject(c, "write:statuses");
  const input = parseOrFail(markersSaveSchema, await c.params());
  const changes = { home: input.home?.last_read_id, notifications: input.notifications?.last_read_id };
  return json(serializeMarkers(unwrap(await stub.saveMarkers(token, changes))));
}
