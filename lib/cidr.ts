/**
 * IP addresses and CIDR ranges as big integers, for IP blocks: `parseCidr("10.0.0.0/8")`,
 * `cidrContains(range, "10.1.2.3")`. IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) match IPv4
 * ranges. A bare address is a /32 (or /128) range.
 */
export interface Cidr {
  version: 4 | 6;
  base: bigint;
  prefix: number;
}

function parseV4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    value = (value << 8n) | BigInt(Number(p));
  }
  return value;
}

function parseV6(text: string): bigint | null {
  let head = text;
  let tailV4: bigint | null = null;
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    tailV4 = parseV4(text.slice(lastColon + 1));
    if (tailV4 === null) return null;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const left = groups(halves[0]);
  const right = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...right];
  let value = 0n;
  for (const g of all) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
    value = (value << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== null) value = (value & ~0xffffffffn) | tailV4;
  return value;
}

export function parseAddress(text: string): { version: 4 | 6; value: bigint } | null {
  const t = text.trim().replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const v4 = parseV4(t);
  if (v4 !== null) return { version: 4, value: v4 };
  const v6 = t.includes(":") ? parseV6(t) : null;
  if (v6 === null) return null;
  // ::ffff:a.b.c.d is the IPv4 address a.b.c.d.
  if (v6 >> 32n === 0xffffn) return { version: 4, value: v6 & 0xffffffffn };
  return { version: 6, value: v6 };
}

const bits = (version: 4 | 6) => (version === 4 ? 32 : 128);

/** A range with its host bits cleared; null when malformed. */
export function parseCidr(text: string): Cidr | null {
  const [addr, prefixText, extra] = text.trim().split("/");
  if (extra !== undefined) return null;
  const parsed = parseAddress(addr);
  if (!parsed) return null;
  const max = bits(parsed.version);
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return null;
  const mask = ((1n << BigInt(max)) - 1n) ^ ((1n << BigInt(max - prefix)) - 1n);
  return { version: parsed.version, base: parsed.value & mask, prefix };
}

export function cidrContains(range: Cidr, address: string): boolean {
  const a = parseAddress(address);
  if (!a || a.version !== range.version) return false;
  const max = bits(range.version);
  return a.value >> BigInt(max - range.prefix) === range.base >> BigInt(max - range.prefix);
}

/** `a.b.c.d/n` or the compressed IPv6 form `x:y::/n`. */
export function formatCidr(range: Cidr): string {
  if (range.version === 4) {
    const v = range.base;
    return `${[24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join(".")}/${range.prefix}`;
  }
  const groups = Array.from({ length: 8 }, (_, i) => ((range.base >> BigInt((7 - i) * 16)) & 0xffffn).toString(16));
  // Compress the longest run of zero groups (at least two), as RFC 5952.
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== "0") { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > best.length && j - i >= 2) best = { start: i, length: j - i };
    i = j;
  }
  const text = best.start < 0
    ? groups.join(":")
    : `${groups.slice(0, best.start).join(":")}::${groups.slice(best.start + best.length).join(":")}`;
  return `${text}/${range.prefix}`;
}
