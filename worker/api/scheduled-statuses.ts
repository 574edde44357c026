import type { Router } from "../router";
import type { Ctx } from "../context";
import { ApiError, notFound, unwrap } from "../../lib/result";
import { json } from "../http/respond";
import { linkHeader, readPage } from "../http/pagination";
import { accountStub } from "../../core/stubs";
import { parseOrFail } from "../../schemas/accounts";
import { parseTime, scheduleUpdateSchema } from "../../schemas/statuses";

import { userToken } from "../http/auth";
import { serializeScheduled } from "../../core/serializers/scheduled";

/** Scheduled statuses (created by `POST /api/v1/statuses` with `scheduled_at`). */
export function registerScheduledStatuses(router: Router): void {
  router.get("/api/v1/scheduled_statuses", list);
  router.get("/api/v1/scheduled_statuses/:id", show);
  router.put("/api/v1/scheduled_statuses/:id", reschedule);
  router.delete("/api/v1/scheduled_statuses/:id", cancel);
}

function scheduledId(c: Ctx): string {
  if (!/^\d{1,20}$/.test(c.route.id)) throw notFound();
  return c.route.id;
}

async function list(c: Ctx): Promise<Response> {
  const auth = await userToken(c);
  const page = readPage(await c.params(), 20, 40);
  const items = unwrap(await accountStub(c.env, auth.accountId).scheduledStatuses(auth.token, page));
  const link = linkHeader(c.url, items, (r) => r.id);
  return json(items.map((r) => serializeScheduled(r, c)), link ? { headers: { link } } : {});
}

async function show(c: Ctx): Promise<Response> {
  const auth = await userToken(c);
  const id = scheduledId(c);
  return json(serializeScheduled(unwrap(await accountStub(c.env, auth.accountId).scheduledStatus(auth.token, id)), c));
}

async function reschedule(c: Ctx): Promise<Response> {
  const auth = await userToken(c);
  const id = scheduledId(c);
  const { scheduled_at } = parseOrFail(scheduleUpdateSchema, await c.params());
  const at = parseTime(scheduled_at);
  if (at === null) throw new ApiError(422, "Validation failed: Scheduled at is not a valid date and time");
  const updated = unwrap(await accountStub(c.env, auth.accountId).rescheduleStatus(auth.token, id, new Date(at).toISOString()));
  return json(serializeScheduled(updated, c));
}

async function cancel(c: Ctx): Promise<Response> {
  const auth = await userToken(c);
  const id = scheduledId(c);
  return json(unwrap(await accountStub(c.env, auth.accountId).cancelScheduledStatus(auth.token, id)));
}
