#!/usr/bin/env node
// `npm run create-account -- --username admin --email admin@example.com [--password '...']
//   [--role user|moderator|admin|owner] [--url http://127.0.0.1:8787] [--token SETUP_TOKEN]`
//
// Creates an account through the instance's setup endpoint (POST /api/v1/pronghorn/setup/accounts),
// whatever the registration mode: the way to make the first admin. Locally the token is read from
// .dev.vars (written by the first `npm start`); for a deployed instance pass --url and --token
// (the value given to `wrangler secret put SETUP_TOKEN`). Without --password one is generated and
// printed. Exits non-zero with the server's message on failure.
import { existsSync, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function usage(message) {
  if (message) console.error(`create-account: ${message}\n`);
  console.error(
    "usage: npm run create-account -- --username NAME --email ADDRESS [--password PASSWORD]\n" +
      "                                 [--role user|moderator|admin|owner] [--url URL] [--token SETUP_TOKEN]",
  );
  process.exit(2);
}

function setupTokenFromDevVars() {
  const file = join(root, ".dev.vars");
  if (!existsSync(file)) return undefined;
  const line = readFileSync(file, "utf8").match(/^SETUP_TOKEN=(.*)$/m);
  return line ? line[1].trim().replace(/^["']|["']$/g, "") : undefined;
}

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      username: { type: "string" },
      email: { type: "string" },
      password: { type: "string" },
      role: { type: "string", default: "user" },
      url: { type: "string", default: `http://127.0.0.1:${process.env.PORT || 8787}` },
      token: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  }));
} catch (err) {
  usage(err.message);
}
if (args.help) usage();
if (!args.username) usage("--username is required");
if (!args.email) usage("--email is required");

const token = args.token ?? process.env.SETUP_TOKEN ?? setupTokenFromDevVars();
if (!token) usage("no setup token: pass --token, set SETUP_TOKEN, or run `npm start` once to create .dev.vars");
const generated = args.password === undefined;
const password = args.password ?? randomBytes(18).toString("base64url");
const endpoint = new URL("/api/v1/pronghorn/setup/accounts", args.url);

let response;
try {
  response = await fetch(endpoint, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ username: args.username, email: args.email, password, role: args.role }),
  });
} catch (err) {
  console.error(`create-account: cannot reach ${args.url} (${err.cause?.code ?? err.cause?.message ?? err.message}). Is the server running (npm start)?`);
  process.exit(1);
}

const text = await response.text();
let body;
try {
  body = JSON.parse(text);
} catch {
  body = { error: text.slice(0, 300) };
}
if (!response.ok) {
  const hint =
    response.status === 404
      ? " (the server has no SETUP_TOKEN secret: set it with `wrangler secret put SETUP_TOKEN`, or locally restart `npm start`)"
      : response.status === 401
        ? " (wrong setup token)"
        : "";
  console.error(`create-account: ${response.status} ${body.error ?? ""}${hint}`);
  for (const [field, errors] of Object.entries(body.details ?? {})) {
    for (const e of errors) console.error(`  ${field}: ${e.description}`);
  }
  process.exit(1);
}

const account = body.account;
console.log(`Created @${account.username} (id ${account.id}, role ${args.role}) on ${args.url}`);
console.log(`  e-mail:   ${args.email}`);
if (generated) console.log(`  password: ${password}   (generated: store it now, it is not shown again)`);
console.log(`  profile:  ${account.url}`);
if (body.note) console.log(body.note);
console.log(JSON.stringify(account, null, 2));
