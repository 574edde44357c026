import type { Router } from "../router";
import { customEmojis } from "../instance-summary";
import { serializeCustomEmoji } from "../../core/serializers/instance";
import { publicJson } from "./instance";

/** Local custom emojis (the directory's table, filled by admin upload): public, cached a minute. */
export function registerCustomEmojis(router: Router): void {
  router.get("/api/v1/custom_emojis", async (c) => {
    const origin = { origin: c.origin, domain: c.domain };
    return publicJson((await customEmojis(c.env)).map((e) => serializeCustomEmoji(e, origin)));
  });
}
