import { Router } from "./router";
import { registerHealth } from "./api/health";

/** Every API family, one registration function per file. */
export function buildRouter(): Router {
  const router = new Router();
  registerHealth(router);
  return router;
}
