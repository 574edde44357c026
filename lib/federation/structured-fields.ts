/**
 * The subset of RFC 8941 structured fields that RFC 9421 signatures use: dictionaries whose
 * members are inner lists (`Signature-Input`) or byte sequences (`Signature`, `Content-Digest`),
 * with parameters. Parsing is strict: anything malformed returns null, never a partial result.
 */
export type BareItem = string | number | boolean | Uint8Array | { token: string };
export type Params = [string, BareItem][];
export interface SfItem {
  value: BareItem;
  params: Params;
}
export interface SfInnerList {
  items: SfItem[];
  params: Params;
}
export type SfMember = SfItem | SfInnerList;

export const isInnerList = (m: SfMember): m is SfInnerList => "items" in m;

class Parser {
  pos = 0;
  constructor(readonly s: string) {}

  peek(): string {
    return this.s[this.pos] ?? "";
  }
  skipSp(): void {
    while (this.peek() === " ") this.pos++;
  }
  skipOws(): void {
    while (this.peek() === " " || this.peek() === "\t") this.pos++;
  }

  key(): string {
    const m = /^[a-z*][a-z0-9_\-.*]*/.exec(this.s.slice(this.pos));
    if (!m) throw new SyntaxError("bad key");
    this.pos += m[0].length;
    return m[0];
  }

  bareItem(): BareItem {
    const c = this.peek();
    if (c === '"') return this.string();
    if (c === ":") return this.bytes();
    if (c === "?") {
      const v = this.s[this.pos + 1];
      if (v !== "0" && v !== "1") throw new SyntaxError("bad boolean");
      this.pos += 2;
      return v === "1";
    }
    if (c === "-" || (c >= "0" && c <= "9")) return this.number();
    const m = /^[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]*/.exec(this.s.slice(this.pos));
    if (!m) throw new SyntaxError("bad item");
    this.pos += m[0].length;
    return { token: m[0] };
  }

  string(): string {
    this.pos++; // opening quote
    let out = "";
    for (;;) {
      const c = this.s[this.pos++];
      if (c === undefined) throw new SyntaxError("unterminated string");
      if (c === '"') return out;
      if (c === "\\") {
        const next = this.s[this.pos++];
        if (next !== '"' && next !== "\\") throw new SyntaxError("bad escape");
        out += next;
      } else {
        const code = c.charCodeAt(0);
        if (code < 0x20 || code > 0x7e) throw new SyntaxError("bad string character");
        out += c;
      }
    }
  }

  bytes(): Uint8Array {
    const end = this.s.indexOf(":", this.pos + 1);
    if (end < 0) throw new SyntaxError("unterminated byte sequence");
    const b64 = this.s.slice(this.pos + 1, end);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new SyntaxError("bad base64");
    this.pos = end + 1;
    const bin = atob(b64);
    return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
  }

  number(): number {
    const m = /^-?\d{1,15}(\.\d{1,3})?/.exec(this.s.slice(this.pos));
    if (!m) throw new SyntaxError("bad number");
    this.pos += m[0].length;
    return Number(m[0]);
  }

  params(): Params {
    const out: Params = [];
    while (this.peek() === ";") {
      this.pos++;
      this.skipSp();
      const k = this.key();
      let v: BareItem = true;
      if (this.peek() === "=") {
        this.pos++;
        v = this.bareItem();
      }
      const existing = out.findIndex(([name]) => name === k);
      if (existing >= 0) out.splice(existing, 1);
      out.push([k, v]);
    }
    return out;
  }

  item(): SfItem {
    const value = this.bareItem();
    return { value, params: this.params() };
  }

  innerList(): SfInnerList {
    this.pos++; // "("
    const items: SfItem[] = [];
    for (;;) {
      this.skipSp();
      if (this.peek() === ")") {
        this.pos++;
        return { items, params: this.params() };
      }
      items.push(this.item());
      const c = this.peek();
      if (c !== " " && c !== ")") throw new SyntaxError("bad inner list");
    }
  }

  dictionary(): Map<string, SfMember> {
    const out = new Map<string, SfMember>();
    this.skipSp();
    while (this.pos < this.s.length) {
      const k = this.key();
      let member: SfMember;
      if (this.peek() === "=") {
        this.pos++;
        member = this.peek() === "(" ? this.innerList() : this.item();
      } else {
        member = { value: true, params: this.params() };
      }
      out.delete(k);
      out.set(k, member);
      this.skipOws();
      if (this.pos >= this.s.length) break;
      if (this.peek() !== ",") throw new SyntaxError("expected comma");
      this.pos++;
      this.skipOws();
      if (this.pos >= this.s.length) throw new SyntaxError("trailing comma");
    }
    return out;
  }
}

/** Parses a dictionary field value; null when it is not well-formed. */
export function parseDictionary(value: string): Map<string, SfMember> | null {
  try {
    return new Parser(value.trim()).dictionary();
  } catch {
    return null;
  }
}

function serializeBareItem(v: BareItem): string {
  if (typeof v === "string") return `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  if (typeof v === "number") return String(v);
  if (typeof v === "boolean") return v ? "?1" : "?0";
  if (v instanceof Uint8Array) {
    let s = "";
    for (const b of v) s += String.fromCharCode(b);
    return `:${btoa(s)}:`;
  }
  return v.token;
}

export function serializeParams(params: Params): string {
  return params.map(([k, v]) => (v === true ? `;${k}` : `;${k}=${serializeBareItem(v)}`)).join("");
}

export function serializeItem(item: SfItem): string {
  return serializeBareItem(item.value) + serializeParams(item.params);
}

export function serializeInnerList(list: SfInnerList): string {
  return `(${list.items.map(serializeItem).join(" ")})${serializeParams(list.params)}`;
}

export function paramValue(params: Params, name: string): BareItem | undefined {
  return params.find(([k]) => k === name)?.[1];
}
