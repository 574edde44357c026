import type { ProfileField } from "../../schemas/records";
import type { AccountRow } from "./records";
import { inlineTextToHtml, textToHtml } from "../../lib/text";
import type { ProfileUpdate } from "../../schemas/accounts";

export type ProfileImage = "avatar" | "header";

type Column = keyof AccountRow;

const FLAG_COLUMNS = ["locked", "bot", "discoverable", "indexable", "hide_collections", "sensitive", "show_media", "show_media_replies", "show_featured"] as const;
const TEXT_COLUMNS = ["display_name", "avatar_description", "header_description"] as const;

/**
 * The columns to write for an update, with HTML rendered from the plain text. Pure: the caller
 * writes the result in one statement. A field keeps its `verified_at` while its value is unchanged.
 */
export function profileChanges(update: ProfileUpdate, current: AccountRow): Map<Column, SqlStorageValue> {
  const changes = new Map<Column, SqlStorageValue>();
  for (const column of TEXT_COLUMNS) {
    const value = update[column];
    if (value !== undefined) changes.set(column, value);
  }
  if (update.note !== undefined) {
    changes.set("note", update.note);
    changes.set("note_html", textToHtml(update.note));
  }
  if (update.fields !== undefined) {
    const previous = JSON.parse(current.fields) as ProfileField[];
    changes.set("fields", JSON.stringify(update.fields.map((f) => renderField(f, previous))));
  }
  for (const flag of FLAG_COLUMNS) {
    const value = update[flag];
    if (value !== undefined) changes.set(flag, value ? 1 : 0);
  }
  for (const image of ["avatar", "header"] as const) {
    const stored = update[image];
    if (!stored) continue;
    changes.set(`${image}_url`, stored.key);
    changes.set(`${image}_static_url`, stored.static_key === stored.key ? null : stored.static_key);
  }
  if (update.attribution_domains !== undefined) changes.set("attribution_domains", JSON.stringify(update.attribution_domains));
  if (update.privacy !== undefined) changes.set("privacy", update.privacy);
  if (update.quote_policy !== undefined) changes.set("quote_policy", update.quote_policy);
  if (update.language !== undefined) changes.set("language", update.language);
  return changes;
}

function renderField(field: { name: string; value: string }, previous: ProfileField[]): ProfileField {
  const same = previous.find((p) => p.value === field.value);
  return {
    name: field.name,
    value: field.value,
    value_html: inlineTextToHtml(field.value),
    verified_at: same?.verified_at ?? null,
  };
}

/** Writes the changes to the single account row (one statement, so all or nothing). */
export function writeProfile(sql: SqlStorage, changes: Map<Column, SqlStorageValue>): void {
  if (changes.size === 0) return;
  const columns = [...changes.keys()];
  sql.exec(`UPDATE account SET ${columns.map((c) => `${c} = ?`).join(", ")}`, ...changes.values());
}

/** Back to the default image (`/avatars/original/missing.png`). */
export function clearProfileImage(sql: SqlStorage, image: ProfileImage): void {
  sql.exec(image === "avatar" ? "UPDATE account SET avatar_url = NULL, avatar_static_url = NULL" : "UPDATE account SET header_url = NULL, header_static_url = NULL");
}

/** The stored files an update replaces (or a removal drops): they are deleted once it is written. */
export function replacedImageFiles(current: AccountRow, images: ProfileImage[]): string[] {
  return images.flatMap((image) => [current[`${image}_url`], current[`${image}_static_url`]]).filter((v): v is string => typeof v === "string" && v !== "");
}
