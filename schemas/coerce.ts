import { z } from "zod";

/** Form and query-string values arrive as strings: these read them the way Rails does. */
const TRUE = new Set(["true", "1", "on", "yes", "t"]);
const FALSE = new Set(["false", "0", "off", "no", "f", ""]);

export const boolish = z.preprocess((v) => {
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "string") {
    const s = v.trim().toLowerCase();
    if (TRUE.has(s)) return true;
    if (FALSE.has(s)) return false;
  }
  return v;
}, z.boolean());

export const intish = z.preprocess(
  (v) => (typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : v),
  z.number().int(),
);

/** A list given as `a[]=x&a[]=y`, as a JSON array, or as one bare value. */
export const stringList = z.preprocess(
  (v) => (v === undefined ? undefined : Array.isArray(v) ? v : typeof v === "object" && v !== null ? Object.values(v) : [v]),
  z.array(z.string()),
);

export const digitId = z.string().regex(/^\d{1,20}$/, "must be an id made of digits");
