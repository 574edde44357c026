import type { Router } from "../router";
import type { Ctx } from "../context";
import { instanceActorStub } from "../../core/stubs";
import { AS2_CONTENT_TYPE, withContext } from "../../lib/federation/context";
import { instanceActorKeyId } from "../../objects/federation/instance-actor-object";

/**
 * The instance actor's document (`/actor`, type Application, Mastodon's shape): it signs our
 * outgoing GETs, so peers fetch it to verify them. Served WITHOUT requiring a signature, or a
 * peer in authorized-fetch mode and we would each wait for the other's key forever.
 */
let cachedPem: string | null = null;

async function publicKeyPem(env: Env): Promise<string> {
  cachedPem ??= await instanceActorStub(env).publicKeyPem();
  return cachedPem;
}

function as2(body: unknown): Response {
  return new Response(JSON.stringify(body), {
    headers: { "content-type": AS2_CONTENT_TYPE, "cache-control": "max-age=180, public", vary: "Accept" },
  });
}

async function instanceActor(c: Ctx): Promise<Response> {
  const id = `${c.origin}/actor`;
  return as2(
    withContext({
      id,
      type: "Application",
      preferredUsername: c.domain,
      name: c.domain,
      inbox: `${id}/inbox`,
      outbox: `${id}/outbox`,
      url: `${c.origin}/about/more?instance_actor=true`,
      manuallyApprovesFollowers: true,
      endpoints: { sharedInbox: `${c.origin}/inbox` },
      publicKey: { id: instanceActorKeyId(c.origin), owner: id, publicKeyPem: await publicKeyPem(c.env) },
    }),
  );
}

export function registerInstanceActor(router: Router): void {
  router.get("/actor", instanceActor);
  router.get("/actor/outbox", (c) =>
    as2(withContext({ id: `${c.origin}/actor/outbox`, type: "OrderedCollection", totalItems: 0, orderedItems: [] })),
  );
}
