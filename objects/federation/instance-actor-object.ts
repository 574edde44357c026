import { DurableObject } from "cloudflare:workers";
import { migrate, type Migration } from "../migrations";
import { base64 } from "../../lib/crypto";
import { type Result } from "../../lib/result";
import type { OutgoingSignatureInput } from "../../lib/federation/http-signatures-cavage";
import { FetchRefused, type GetSigner } from "../../lib/federation/safe-fetch";
import { isDomainRefused } from "../../core/domain-policy";
import { signAs } from "./signing";
import { instanceActorStub } from "../../core/stubs";

/**
 * The instance actor (`/actor`, type Application): its RSA key pair lives here and nowhere else.
 * It signs our outgoing GETs (GoToSocial, Threads and Mastodon in authorized-fetch mode refuse
 * unsigned fetches) and, later, reports. A singleton of its own rather than a table in the
 * DirectoryObject: every remote key or document fetch passes through it, and the directory is
 * the registration singleton whose reads are kept cheap and cached (design invariant 3).
 */
const MIGRATIONS: readonly Migration[] = [
  (sql) => {
    sql.exec(`CREATE TABLE keys (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      rsa_public_pem TEXT NOT NULL,
      rsa_private_jwk TEXT NOT NULL,
      created_at TEXT NOT NULL
    )`);
  },
  (sql) => {
    // Local mode (no INSTANCE_DOMAIN): the origin first served, which our URIs are built on.
    sql.exec("CREATE TABLE instance_origin (id INTEGER PRIMARY KEY CHECK (id = 1), origin TEXT NOT NULL)");
  },
];

export const INSTANCE_ACTOR_PATH = "/actor";

function pem(der: ArrayBuffer): string {
  const body = base64(der).replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----\n`;
}

export class InstanceActorObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
      // Made once, before any request can race for it.
      if (!this.keys()) await this.generate();
    });
  }

  async publicKeyPem(): Promise<string> {
    return this.keys()!.rsa_public_pem;
  }

  /** Signed headers for a GET (or POST) as the instance actor; keyId must be `<origin>/actor#main-key`. */
  async signRequest(input: OutgoingSignatureInput): Promise<Result<Record<string, string>>> {
    return signAs(this, this.keys()!.rsa_private_jwk, INSTANCE_ACTOR_PATH, input);
  }

  /**
   * Remembers the instance's origin when none is known yet (the first wins: actor URIs must not
   * change once peers know them). Returns the origin in force.
   */
  async rememberOrigin(origin: string): Promise<string> {
    this.sql.exec("INSERT OR IGNORE INTO instance_origin (id, origin) VALUES (1, ?)", origin);
    return this.sql.exec<{ origin: string }>("SELECT origin FROM instance_origin WHERE id = 1").one().origin;
  }

  async origin(): Promise<string | null> {
    return this.sql.exec<{ origin: string }>("SELECT origin FROM instance_origin WHERE id = 1").toArray()[0]?.origin ?? null;
  }

  private keys(): { rsa_public_pem: string; rsa_private_jwk: string } | undefined {
    return this.sql
      .exec<{ rsa_public_pem: string; rsa_private_jwk: string }>("SELECT rsa_public_pem, rsa_private_jwk FROM keys WHERE id = 1")
      .toArray()[0];
  }

  private async generate(): Promise<void> {
    const pair = (await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    )) as CryptoKeyPair;
    const spki = (await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer;
    const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
    this.sql.exec(
      "INSERT INTO keys (id, rsa_public_pem, rsa_private_jwk, created_at) VALUES (1, ?, ?, ?)",
      pem(spki),
      JSON.stringify(jwk),
      new Date().toISOString(),
    );
  }
}

export const instanceActorKeyId = (origin: string) => `${origin}${INSTANCE_ACTOR_PATH}#main-key`;

/** A GET signer for safeFetch/fetchActivityDocument: each URL is signed by the instance actor. */
export function instanceActorSigner(env: Env, origin: string): GetSigner {
  const stub = instanceActorStub(env);
  return async (url) => {
    // Every document we fetch is signed here first: a refused domain is never asked.
    if (await isDomainRefused(env, url)) throw new FetchRefused(`Requests to ${new URL(url).host} are refused`);
    const signed = await stub.signRequest({ method: "GET", url, keyId: instanceActorKeyId(origin) });
    if (!signed.ok) throw new Error(`instance actor could not sign: ${signed.error}`);
    return signed.value;
  };
}
