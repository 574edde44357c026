import { JobRegistry } from "../outbox";
import type { AccountHost } from "./host";

/**
 * Handlers for the account object's durable jobs, one per kind. Feature modules register
 * theirs at import time (`accountJobs.register("fanout.status", handler)`); the registry
 * refuses duplicates. Each module that registers jobs is listed in job-handlers.ts.
 */
export const accountJobs = new JobRegistry<AccountHost>();
