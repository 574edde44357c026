import { signRsa } from "./keys";
import {
  hasBody,
  prepared,
  refused,
  utf8,
  withinWindow,
  type Prepared,
  type PreparedSignature,
  type SignedRequestParts,
} from "./signatures";
import {
  isInnerList,
  paramValue,
  parseDictionary,
  serializeInnerList,
  type Params,
  type SfInnerList,
} from "./structured-fields";

/**
 * RFC 9421 HTTP Message Signatures (`Signature-Input` + `Signature`), as Fedify-based servers
 * send them. Unlike Fedify's own verifier, we refuse a signature that does not bind the method,
 * the target URI and (on POST) the body digest, or that lacks `created` or `keyid`: otherwise a
 * captured signature could be replayed against another URL or with another body.
 */
const ALGORITHMS: Record<string, PreparedSignature["algorithm"]> = {
  "rsa-v1_5-sha256": "rsa-sha256",
  ed25519: "ed25519",
};

/** The value of one covered component; null when the request does not have it. */
export function componentValue(req: SignedRequestParts, name: string): string | null {
  const url = new URL(req.url);
  switch (name) {
    case "@method":
      return req.method.toUpperCase();
    case "@target-uri":
      return url.href;
    case "@authority":
      return url.host.toLowerCase();
    case "@scheme":
      return url.protocol.replace(/:$/, "").toLowerCase();
    case "@request-target":
      return `${url.pathname}${url.search}`;
    case "@path":
      return url.pathname || "/";
    case "@query":
      return url.search || "?";
    default: {
      if (name.startsWith("@")) return null;
      const value = name === "host" ? req.headers.get("host") ?? url.host : req.headers.get(name);
      return value === null ? null : value.trim();
    }
  }
}

/** The signature base (RFC 9421 §2.5) for an inner list of covered components with parameters. */
export function signatureBase(req: SignedRequestParts, input: SfInnerList): string | null {
  const lines: string[] = [];
  for (const item of input.items) {
    if (typeof item.value !== "string" || item.params.length > 0) return null;
    const value = componentValue(req, item.value);
    if (value === null) return null;
    lines.push(`"${item.value}": ${value}`);
  }
  lines.push(`"@signature-params": ${serializeInnerList(input)}`);
  return lines.join("\n");
}

function coverageError(req: SignedRequestParts, covered: Set<string>): string | null {
  if (!covered.has("@method")) return "Signature must cover @method";
  const hasQuery = new URL(req.url).search !== "";
  const target =
    covered.has("@target-uri") ||
    (covered.has("@authority") && (covered.has("@request-target") || (covered.has("@path") && (!hasQuery || covered.has("@query")))));
  if (!target) return "Signature must cover @target-uri (or @authority with the path and query)";
  if (hasBody(req.method) && !covered.has("content-digest")) return "Signature must cover content-digest";
  return null;
}

function prepareOne(req: SignedRequestParts, input: SfInnerList, signature: Uint8Array, now: number): Prepared {
  const names = input.items.map((i) => i.value);
  if (names.some((n) => typeof n !== "string")) return refused("Malformed Signature-Input");
  const covered = new Set(names as string[]);
  if (covered.size !== names.length) return refused("Signature-Input covers a component twice");
  const coverage = coverageError(req, covered);
  if (coverage) return refused(coverage);
  const created = paramValue(input.params, "created");
  if (typeof created !== "number" || !Number.isInteger(created)) return refused("Signature-Input must have a created parameter");
  if (!withinWindow(created * 1000, now)) return refused("Signature created time is outside the accepted window (one hour)");
  const expires = paramValue(input.params, "expires");
  if (expires !== undefined && (typeof expires !== "number" || expires * 1000 < now)) return refused("Signature has expired");
  const keyId = paramValue(input.params, "keyid");
  if (typeof keyId !== "string" || keyId === "") return refused("Signature-Input must have a keyid parameter");
  const alg = paramValue(input.params, "alg");
  if (alg !== undefined && (typeof alg !== "string" || !ALGORITHMS[alg])) return refused(`Unsupported signature algorithm ${String(alg)}`);
  const base = signatureBase(req, input);
  if (base === null) return refused("A component covered by the signature is missing or unsupported");
  return prepared({
    scheme: "rfc9421",
    keyId,
    algorithm: typeof alg === "string" ? ALGORITHMS[alg] : "hs2019",
    data: utf8(base),
    signature,
    digest: covered.has("content-digest") ? "content-digest" : null,
  });
}

/** Picks the first labelled signature that meets our requirements; else the first refusal. */
export function prepareRfc9421(req: SignedRequestParts, now: number): Prepared {
  const inputHeader = req.headers.get("signature-input");
  const sigHeader = req.headers.get("signature");
  if (!inputHeader || !sigHeader) return refused("Missing Signature-Input or Signature header");
  const inputs = parseDictionary(inputHeader);
  const signatures = parseDictionary(sigHeader);
  if (!inputs || !signatures || inputs.size === 0) return refused("Malformed Signature-Input or Signature header");
  let firstRefusal: Prepared | null = null;
  for (const [label, input] of inputs) {
    const sig = signatures.get(label);
    if (!isInnerList(input) || !sig || isInnerList(sig) || !(sig.value instanceof Uint8Array)) {
      firstRefusal ??= refused(`Malformed signature ${label}`);
      continue;
    }
    const result = prepareOne(req, input, sig.value, now);
    if (result.ok) return result;
    firstRefusal ??= result;
  }
  return firstRefusal ?? refused("No usable signature");
}

export interface Rfc9421SignOptions {
  /** Covered components, in order; defaults to @method @target-uri (+ content-digest on POST). */
  components?: string[];
  created?: number;
  label?: string;
}

/** Signs with RSA (rsa-v1_5-sha256); returns the `Signature-Input` and `Signature` values. */
export async function signRfc9421(
  privateKey: CryptoKey,
  keyId: string,
  req: SignedRequestParts,
  options: Rfc9421SignOptions = {},
): Promise<{ "signature-input": string; signature: string }> {
  const components = options.components ?? ["@method", "@target-uri", ...(hasBody(req.method) ? ["content-digest"] : [])];
  const params: Params = [
    ["created", options.created ?? Math.floor(Date.now() / 1000)],
    ["keyid", keyId],
    ["alg", "rsa-v1_5-sha256"],
  ];
  const input: SfInnerList = { items: components.map((c) => ({ value: c, params: [] })), params };
  const base = signatureBase(req, input);
  if (base === null) throw new Error("a component to sign is missing");
  const signature = await signRsa(privateKey, utf8(base));
  let bin = "";
  for (const b of signature) bin += String.fromCharCode(b);
  const label = options.label ?? "sig1";
  return { "signature-input": `${label}=${serializeInnerList(input)}`, signature: `${label}=:${btoa(bin)}:` };
}

/** Which scheme a request is signed with (RFC 9421 wins when both are present). */
export function signatureScheme(headers: Headers): "rfc9421" | "draft-cavage" | null {
  if (headers.get("signature-input")) return "rfc9421";
  if (headers.get("signature") || /^signature\s/i.test(headers.get("authorization") ?? "")) return "draft-cavage";
  return null;
}
