import { JobRegistry } from "../outbox";
import type { AccountObject } from "./account-object";

/**
 * Handlers for the account object's durable jobs, one per kind. Feature modules register
 * theirs at import time (`accountJobs.register("fanout.status", handler)`); the registry
 * refuses duplicates. Import each module that registers jobs from `account-object.ts`.
 */
export const accountJobs = new JobRegistry<AccountObject>();
