/**
 * Account search ranking shared by the directory (all local accounts) and an account's own
 * follows (`following=true`). Like Mastodon: an exact username first, then username prefixes,
 * then display-name word prefixes, then any substring; ties go to the more followed account.
 */
export interface SearchCandidate {
  id: string;
  username: string;
  display_name: string;
  followers_count: number;
}

/** What `q` asks for: a term, and the domain when it was written as `user@domain`. */
export interface AccountQuery {
  term: string;
  domain: string | null;
}

export function parseAccountQuery(q: string): AccountQuery {
  const trimmed = q.trim().replace(/^@/, "");
  const at = trimmed.indexOf("@");
  if (at > 0 && !/\s/.test(trimmed)) return { term: trimmed.slice(0, at).toLowerCase(), domain: trimmed.slice(at + 1).toLowerCase() || null };
  return { term: trimmed.toLowerCase(), domain: null };
}

/** 0 is best; null when the candidate does not match at all. */
export function searchRank(term: string, c: SearchCandidate): number | null {
  const username = c.username.toLowerCase();
  const name = c.display_name.toLowerCase();
  if (username === term) return 0;
  if (username.startsWith(term)) return 1;
  if (name.startsWith(term) || name.split(/\s+/).some((word) => word.startsWith(term))) return 2;
  if (username.includes(term) || name.includes(term)) return 3;
  return null;
}

export function rankCandidates<T extends SearchCandidate>(term: string, candidates: T[]): T[] {
  return candidates
    .map((c) => ({ c, rank: searchRank(term, c) }))
    .filter((x): x is { c: T; rank: number } => x.rank !== null)
    .sort((a, b) => a.rank - b.rank || b.c.followers_count - a.c.followers_count || a.c.username.localeCompare(b.c.username))
    .map((x) => x.c);
}

/** `%term%` for LIKE with `ESCAPE '\'`. */
export function containsPattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}
