import type { Router } from "../router";
import type { Ctx } from "../context";
import { notFound, unwrap } from "../../lib/result";
import { json } from "../http/respond";
import { accountStub } from "../../core/stubs";
import { serializePoll } from "../../core/serializers/status";
import { parseOrFail } from "../../schemas/accounts";
import { voteParams } from "../../schemas/statuses";
import { STATUS_ID } from "../../objects/status-index/locate";
import { visibleStatus } from "./statuses";
import { optionalToken, userToken } from "../http/auth";

/**
 * Polls. A poll's id is its status's id, so the status index finds the author's object, which
 * counts the votes; the voter's object remembers its own choices (`own_votes`).
 */
export function registerPolls(router: Router): void {
  router.get("/api/v1/polls/:id", show);
  router.post("/api/v1/polls/:id/votes", vote);
}

function pollId(c: Ctx): string {
  if (!STATUS_ID.test(c.route.id)) throw notFound();
  return c.route.id;
}

async function show(c: Ctx): Promise<Response> {
  const id = pollId(c);
  const auth = await optionalToken(c, "read:statuses");
  const { status, viewed } = await visibleStatus(c, auth, id);
  if (!status.poll) throw notFound();
  return json(serializePoll(status.poll, auth ? (viewed.flags[id]?.own_votes ?? []) : undefined));
}

async function vote(c: Ctx): Promise<Response> {
  const auth = await userToken(c);
  const id = pollId(c);
  const { choices } = parseOrFail(voteParams, await c.params());
  const out = unwrap(await accountStub(c.env, auth.accountId).votePoll(auth.token, id, choices));
  return json(serializePoll(out.status.poll!, out.flags[out.status.id]?.own_votes ?? choices));
}
