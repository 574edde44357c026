import type { Params } from "./body";
import { ApiError, unprocessable } from "../../lib/result";

/**
 * Parameter readers for the admin block APIs, with Rails' casting: booleans accept
 * true/1/on/t/yes and false/0/off/f/no/"" (anything else is true, as ActiveModel casts), strings
 * must be strings, enums must name a value (else Mastodon's 422).
 */
const FALSE = new Set(["", "false", "0", "off", "f", "no"]);

export function boolParam(p: Params, key: string): boolean | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "string") return !FALSE.has(v.trim().toLowerCase());
  throw unprocessable(`Validation failed: ${key} is invalid`);
}

export function stringParam(p: Params, key: string, max = 1000): string | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number") return String(v);
  if (typeof v !== "string") throw unprocessable(`Validation failed: ${key} must be a string`);
  if (v.length > max) throw unprocessable(`Validation failed: ${key} is too long (maximum is ${max} characters)`);
  return v;
}

/** A nullable text (`private_comment`): "" and null clear it. */
export function commentParam(p: Params, key: string): string | null | undefined {
  if (!(key in p)) return undefined;
  const v = stringParam(p, key);
  return v === undefined || v === "" ? null : v;
}

export function enumParam<T extends string>(p: Params, key: string, values: readonly T[]): T | undefined {
  const v = stringParam(p, key);
  if (v === undefined) return undefined;
  if (!values.includes(v as T)) throw unprocessable(`'${v}' is not a valid ${key}`);
  return v as T;
}

/** A required parameter Rails would `require`: missing is a 400 naming it. */
export function requiredString(p: Params, key: string): string {
  const v = stringParam(p, key);
  if (v === undefined || v.trim() === "") throw new ApiError(400, `param is missing or the value is empty: ${key}`);
  return v;
}

export const DIGIT_ID = /^\d{1,19}$/;
