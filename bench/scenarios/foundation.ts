import type { BenchContext, Row } from "../run.ts";
import { appToken, registerUser } from "../seed.ts";

/** Instance discovery and the authenticated hot path every app calls first. */
export async function foundation(ctx: BenchContext): Promise<Row[]> {
  const app = await appToken(ctx.origin);
  const user = await registerUser(ctx.origin, app, `bench${Date.now().toString(36)}`);
  const instance = await ctx.load("/api/v1/instance");
  const verify = await ctx.load("/api/v1/accounts/verify_credentials", { authorization: `Bearer ${user.token}` });
  return [
    { name: "GET /api/v1/instance", figures: instance },
    {
      name: "GET /api/v1/accounts/verify_credentials",
      figures: verify,
      target: "≥75% rps, p50 ≤ +3 ms",
    },
  ];
}
