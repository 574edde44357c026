#!/usr/bin/env node
// `npm start`: serves Pronghorn locally on workerd with state persisted under .wrangler/state.
// Honours PORT (default 8787) and passes ALLOW_PRIVATE_ADDRESSES and INSTANCE_DOMAIN from the
// environment through to the Worker. Creates .dev.vars with a random SETUP_TOKEN on first run
// (used by `npm run create-account`).
import { spawn } from "node:child_process";
import { existsSync, readFileSync, appendFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const devVars = join(root, ".dev.vars");
const existing = existsSync(devVars) ? readFileSync(devVars, "utf8") : "";
if (!/^SETUP_TOKEN=/m.test(existing)) {
  appendFileSync(devVars, `${existing && !existing.endsWith("\n") ? "\n" : ""}SETUP_TOKEN=${randomBytes(24).toString("base64url")}\n`);
}

const port = process.env.PORT || "8787";
const persist = process.env.PRONGHORN_STATE_DIR || join(root, ".wrangler", "state");
const args = ["dev", "--port", port, "--ip", "127.0.0.1", "--persist-to", persist, "--show-interactive-dev-session=false", "--log-level", process.env.WRANGLER_LOG_LEVEL || "info"];
if (process.env.INSPECTOR_PORT) args.push("--inspector-port", process.env.INSPECTOR_PORT);
const PASSED_THROUGH = [
  "ALLOW_PRIVATE_ADDRESSES",
  "INSTANCE_DOMAIN",
  "INSTANCE_TITLE",
  "INSTANCE_DESCRIPTION",
  "INSTANCE_CONTACT_EMAIL",
  "REGISTRATION_MODE",
  "REGISTRATION_MESSAGE",
  "INSTANCE_RULES",
  "INSTANCE_LANGUAGES",
  "MEDIA_ORIGIN",
  "SETUP_TOKEN",
  "RATE_LIMIT_FACTOR",
  "LIMITED_FEDERATION_MODE",
  "SHOW_DOMAIN_BLOCKS",
  "SHOW_DOMAIN_BLOCKS_RATIONALE",
  "ANNUAL_REPORT_YEAR",
];
for (const name of PASSED_THROUGH) {
  if (process.env[name] !== undefined) args.push("--var", `${name}:${process.env[name]}`);
}

const wrangler = join(root, "node_modules", "wrangler", "bin", "wrangler.js");
const child = spawn(process.execPath, [wrangler, ...args], { cwd: root, stdio: "inherit", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
const stop = (signal) => child.kill(signal);
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
child.on("exit", (code) => process.exit(code ?? 0));
