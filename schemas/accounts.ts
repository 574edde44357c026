import { z } from "zod";
import { boolish } from "./coerce";
import { ApiError } from "../lib/result";

import type { QuotePolicy, Role, Visibility } from "./records";

/**
 * Request schemas of the accounts API, with Mastodon's rules and error shape:
 * 422 `{"error": "Validation failed: Username is reserved", "details": {"username": [{"error":
 * "ERR_RESERVED", "description": "is reserved"}]}}`.
 */

export const USERNAME_MAX = 30;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 72;
export const DISPLAY_NAME_MAX = 30;
export const NOTE_MAX = 500;
export const MAX_FIELDS = 4;
export const FIELD_NAME_MAX = 255;
export const FIELD_VALUE_MAX = 2047;

/** Mastodon's ReservedUsernameValidator list; the setup endpoint may still create them. */
export const RESERVED_USERNAMES = new Set(["admin", "administrator", "root", "webmaster", "support", "help", "mod", "moderator"]);

const BLANK = "can't be blank";
const USERNAME_CHARS = /^[a-z0-9_]+$/i;
/**
 * Devise's check, which Mastodon uses (`/\A[^@\s]+@[^@\s]+\z/`), narrowed by what Mastodon's
 * EmailAddressValidator (a parsed address must equal the input) refuses: no quotes, angle
 * brackets, commas or semicolons; no empty label. Dotless hosts (`me@localhost`) are accepted.
 */
const EMAIL_SHAPE = /^[^\s@<>",;()[\]\\]+@(?!\.)(?!.*\.\.)[^\s@<>",;()[\]\\]+(?<!\.)$/;
const LOCALE = /^([a-z]{2,3})(?:[-_][a-z0-9]{2,8})*$/i;
const LANGUAGE = /^[a-z]{2,3}$/;

/** Counted in characters (code points), as Ruby's `String#length` does. */
const chars = (s: string) => [...s].length;

const requiredString = () =>
  z.string({ error: (issue) => (issue.input === undefined || issue.input === null ? BLANK : "must be a string") }).trim().min(1, { error: BLANK, abort: true });

const tooLong = (max: number) => ({ error: `is too long (maximum is ${max} characters)` });

export const usernameSchema = requiredString()
  .refine((v) => chars(v) <= USERNAME_MAX, tooLong(USERNAME_MAX))
  .refine((v) => USERNAME_CHARS.test(v), { error: "must contain only letters, numbers and underscores" });

export const emailSchema = requiredString()
  .refine((v) => v.length <= 254, tooLong(254))
  .refine((v) => EMAIL_SHAPE.test(v), { error: "is invalid" });

export const passwordSchema = z
  .string({ error: (issue) => (issue.input === undefined || issue.input === null ? BLANK : "must be a string") })
  .min(1, { error: BLANK, abort: true })
  .refine((v) => chars(v) >= PASSWORD_MIN, { error: `is too short (minimum is ${PASSWORD_MIN} characters)` })
  .refine((v) => chars(v) <= PASSWORD_MAX, tooLong(PASSWORD_MAX));

/** `en`, `en-US`, `pt_BR` → the primary language (`en`, `pt`); blank → null. */
const localeSchema = z
  .union([z.string(), z.null()], { error: "must be a string" })
  .optional()
  .transform((v) => (v ? v.trim() : null))
  .refine((v) => v === null || LOCALE.test(v), { error: "is not a supported locale" })
  .transform((v) => (v ? v.split(/[-_]/)[0].toLowerCase() : null));

export const registrationSchema = z.object({
  username: usernameSchema.refine((v) => !RESERVED_USERNAMES.has(v.toLowerCase()), {
    error: "is reserved",
    params: { code: "ERR_RESERVED" },
  }),
  email: emailSchema,
  password: passwordSchema,
  agreement: z.preprocess((v) => (v === undefined ? false : v), boolish).refine((v) => v, {
    error: "must be accepted",
    params: { code: "ERR_ACCEPTED" },
  }),
  locale: localeSchema,
  reason: z.string({ error: "must be a string" }).trim().max(1000, tooLong(1000)).optional(),
});
export type RegistrationInput = z.output<typeof registrationSchema>;

export const ROLES = ["user", "moderator", "admin", "owner"] as const satisfies readonly Role[];

/** The setup endpoint: no reserved names, no agreement, any role. */
export const setupAccountSchema = z.object({
  username: usernameSchema,
  email: emailSchema,
  password: passwordSchema,
  role: z.enum(ROLES, { error: `must be one of ${ROLES.join(", ")}` }).default("user"),
});

// ----- update_credentials -----

/** JSON null for a text field means "clear it". */
const clearableText = (max: number) =>
  z.preprocess((v) => (v === null ? "" : v), z.string({ error: "must be a string" }))
    .refine((v) => chars(v) <= max, tooLong(max));

const fieldText = (max: number) =>
  z.preprocess((v) => (v === undefined || v === null ? "" : v), z.string({ error: "must be a string" }))
    .transform((v) => v.trim())
    .refine((v) => chars(v) <= max, tooLong(max));

/**
 * `fields_attributes` arrives as a Rails hash (`fields_attributes[0][name]=`), a JSON object
 * keyed by index, or a JSON array. Rows with a blank name and value are dropped, and entries
 * that are not objects (some clients send the string "undefined") are ignored, as Mastodon's
 * strong parameters do.
 */
const isRow = (row: unknown) => row !== null && typeof row === "object" && !Array.isArray(row);
const fieldsAttributesSchema = z
  .preprocess(
    (v) =>
      Array.isArray(v)
        ? v.filter(isRow)
        : v !== null && typeof v === "object"
          ? Object.entries(v as Record<string, unknown>)
              .sort(([a], [b]) => Number(a) - Number(b))
              .map(([, row]) => row)
              .filter(isRow)
          : v,
    z.array(z.object({ name: fieldText(FIELD_NAME_MAX), value: fieldText(FIELD_VALUE_MAX) }), {
      error: "must be a list of name and value pairs",
    }),
  )
  .transform((rows) => rows.filter((r) => r.name !== "" || r.value !== ""))
  .refine((rows) => rows.length <= MAX_FIELDS, { error: `is too long (maximum is ${MAX_FIELDS} fields)` });

const languageSchema = z
  .union([z.string(), z.null()], { error: "must be a string" })
  .transform((v) => (v ? v.trim().toLowerCase() : null))
  .refine((v) => v === null || LANGUAGE.test(v), { error: "is not a supported language" });

/** Websites allowed to credit the account as author (Mastodon 4.4): at most 10 host names. */
export const MAX_ATTRIBUTION_DOMAINS = 10;
const HOSTNAME = /^(?=.{1,253}$)(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

const attributionDomainsSchema = z.preprocess(
  (v) => {
    if (v === "" || v === null) return [];
    const list = Array.isArray(v) ? v : typeof v === "object" ? Object.values(v as object) : typeof v === "string" ? v.split(/[\s,]+/) : v;
    return Array.isArray(list) ? list.map((d) => (typeof d === "string" ? d.trim().toLowerCase() : d)).filter((d) => d !== "") : list;
  },
  z
    .array(z.string({ error: "must be a list of domains" }).regex(HOSTNAME, "must be domain names such as example.com"), { error: "must be a list of domains" })
    .max(MAX_ATTRIBUTION_DOMAINS, `can have at most ${MAX_ATTRIBUTION_DOMAINS} domains`)
    .transform((list) => [...new Set(list)]),
);

/** The profile fields both `update_credentials` and `PATCH /api/v1/profile` take. */
const profileShape = {
  display_name: clearableText(DISPLAY_NAME_MAX).optional(),
  note: clearableText(NOTE_MAX).optional(),
  fields_attributes: fieldsAttributesSchema.optional(),
  locked: boolish.optional(),
  bot: boolish.optional(),
  discoverable: boolish.optional(),
  indexable: boolish.optional(),
  hide_collections: boolish.optional(),
  attribution_domains: attributionDomainsSchema.optional(),
};

type ProfileShape = z.output<z.ZodObject<typeof profileShape>>;

const commonUpdate = (p: ProfileShape): ProfileUpdate => ({
  display_name: p.display_name,
  note: p.note,
  fields: p.fields_attributes,
  locked: p.locked,
  bot: p.bot,
  discoverable: p.discoverable,
  indexable: p.indexable,
  hide_collections: p.hide_collections,
  attribution_domains: p.attribution_domains,
});

export const updateCredentialsSchema = z
  .object({
    ...profileShape,
    source: z
      .object(
        {
          privacy: z.enum(["public", "unlisted", "private"], { error: "must be public, unlisted or private" }).optional(),
          sensitive: boolish.optional(),
          language: languageSchema.optional(),
          quote_policy: z.enum(["public", "followers", "nobody"], { error: "must be public, followers or nobody" }).optional(),
        },
        { error: "must be an object" },
      )
      .optional(),
  })
  .transform(
    (p): ProfileUpdate => ({
      ...commonUpdate(p),
      privacy: p.source?.privacy,
      sensitive: p.source?.sensitive,
      language: p.source?.language,
      quote_policy: p.source?.quote_policy,
    }),
  );

/** An image description, as a media attachment's (Mastodon 4.6 keeps them beside the profile). */
export const IMAGE_DESCRIPTION_MAX = 1500;

/** `PATCH /api/v1/profile` (Mastodon 4.6): the same fields, plus image descriptions and the profile tabs. */
export const profileUpdateSchema = z
  .object({
    ...profileShape,
    avatar_description: clearableText(IMAGE_DESCRIPTION_MAX).optional(),
    header_description: clearableText(IMAGE_DESCRIPTION_MAX).optional(),
    show_media: boolish.optional(),
    show_media_replies: boolish.optional(),
    show_featured: boolish.optional(),
  })
  .transform(
    (p): ProfileUpdate => ({
      ...commonUpdate(p),
      avatar_description: p.avatar_description,
      header_description: p.header_description,
      show_media: p.show_media,
      show_media_replies: p.show_media_replies,
      show_featured: p.show_featured,
    }),
  );

// ----- errors -----

export type FieldErrors = Record<string, { error: string; description: string }[]>;

const CODE_BY_ISSUE: Record<string, string> = {
  too_big: "ERR_TOO_LONG",
  too_small: "ERR_TOO_SHORT",
  invalid_value: "ERR_INCLUSION",
};

function errorCode(issue: z.core.$ZodIssue): string {
  const declared = (issue as { params?: { code?: string } }).params?.code;
  if (declared) return declared;
  if (issue.message === BLANK) return "ERR_BLANK";
  if (issue.message.startsWith("is too long")) return "ERR_TOO_LONG";
  if (issue.message.startsWith("is too short")) return "ERR_TOO_SHORT";
  return CODE_BY_ISSUE[issue.code] ?? "ERR_INVALID";
}

/** zod's messages for type errors are for developers; Mastodon's read "X must be a boolean". */
function description(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type" && issue.message.startsWith("Invalid input")) return `must be a ${issue.expected}`;
  return issue.message;
}

export function fieldErrors(error: z.ZodError): FieldErrors {
  const details: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? issue.path.map(String).join(".") : "base";
    (details[key] ??= []).push({ error: errorCode(issue), description: description(issue) });
  }
  return details;
}

function humanize(key: string): string {
  const words = key.replace(/[._]/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Mastodon's ValidationErrorFormatter: one sentence naming every field, plus `details`. */
export function validationFailed(details: FieldErrors): ApiError {
  const sentences = Object.entries(details).flatMap(([key, errors]) => errors.map((e) => `${humanize(key)} ${e.description}`));
  return new ApiError(422, `Validation failed: ${sentences.join(", ")}`, { details });
}

/** Parses `input` or throws the Mastodon-shaped 422. */
export function parseOrFail<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationFailed(fieldErrors(result.error));
  return result.data;
}

/**
 * A validated profile change, as `PATCH /api/v1/accounts/update_credentials` hands it to the
 * account's object. Absent keys stay as they are; `fields` replaces the whole list.
 */
export interface ProfileUpdate {
  /** A new avatar or header, already stored (core/media/store.ts): its image and static keys. */
  avatar?: { key: string; static_key: string };
  header?: { key: string; static_key: string };
  display_name?: string;
  note?: string;
  fields?: { name: string; value: string }[];
  locked?: boolean;
  bot?: boolean;
  discoverable?: boolean;
  indexable?: boolean;
  hide_collections?: boolean;
  attribution_domains?: string[];
  privacy?: Visibility;
  sensitive?: boolean;
  language?: string | null;
  avatar_description?: string;
  header_description?: string;
  show_media?: boolean;
  show_media_replies?: boolean;
  show_featured?: boolean;
  quote_policy?: QuotePolicy;
}
