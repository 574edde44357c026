import { describe, expect, it } from "vitest";
import { renderNotificationPage, renderStatusPage } from "../../core/serializers/rendered";
import { serializeViewedStatuses } from "../../core/serializers/filter";
import { serializeNotification } from "../../core/serializers/notification";
import { parseStatusSnapshot } from "../../objects/account/status-memo";
import { statusRecordOf } from "./timelines-helpers";
import type { AccountSnapshot, FilterMatch, NotificationRecord, ViewerFlags } from "../../schemas/records";

/**
 * Pages rendered in the account's object are put together from a per-record JSON part kept
 * between reads and the viewer's parts. The result must be exactly what the entity
 * serializers produce, for every shape: boosts, polls, filter results, own statuses.
 */
const o = { origin: "https://pronghorn.test", domain: "pronghorn.test" };
const account = (id: string): AccountSnapshot => ({
  id,
  username: `user${id}`,
  domain: null,
  display_name: "",
  note: "",
  note_html: "",
  fields: [],
  locked: false,
  bot: false,
  discoverable: true,
  indexable: true,
  hide_collections: false,
  privacy: "public",
  sensitive: false,
  language: null,
  role: "user",
  avatar_url: null,
  header_url: null,
  created_at: "2026-01-01T00:00:00.000Z",
  last_status_at: null,
  statuses_count: 1,
  followers_count: 0,
  following_count: 0,
});

const me = account("1");
const other = account("2");
const poll = { id: "p", expires_at: new Date(Date.now() + 3_600_000).toISOString(), multiple: false, options: [{ title: "a", votes_count: 1 }], votes_count: 1, voters_count: 1 };
const plain = statusRecordOf(other, { id: "100", content: "<p>plain</p>" });
const mine = statusRecordOf(me, { id: "101", poll });
const boosted = statusRecordOf(other, { id: "102", poll: { ...poll, id: "q" } });
const boost = statusRecordOf(me, { id: "103", reblog: boosted });
const match: FilterMatch = {
  filter: { id: "9", title: "f", context: ["home"], filter_action: "warn", expires_at: null, keywords: [], statuses: [] },
  keyword_matches: ["plain"],
  status_matches: [],
};
const flags: Record<string, ViewerFlags> = {
  "100": { favourited: true, reblogged: false, bookmarked: true, muted: false },
  "101": { favourited: false, reblogged: false, bookmarked: false, muted: true, pinned: true, own_votes: [0] },
  "102": { favourited: false, reblogged: true, bookmarked: false, muted: false, own_votes: [] },
  "103": { favourited: false, reblogged: false, bookmarked: false, muted: false, pinned: false },
};

describe("rendered pages", () => {
  it("are exactly the serializers' output, twice in a row (the second from kept parts)", () => {
    const statuses = [plain, mine, boost].map((s) => parseStatusSnapshot(JSON.stringify(s)));
    const page = { statuses, flags, filtered: { "100": [match], "103": [match] }, cursor: { newest: "103", oldest: "100" } };
    const expected = serializeViewedStatuses(page, o);
    expect(JSON.parse(renderStatusPage(page, o).body)).toEqual(expected);
    expect(JSON.parse(renderStatusPage(page, o).body)).toEqual(expected);
    // Another origin must not reuse parts rendered for the first.
    const elsewhere = { origin: "http://127.0.0.1:8787", domain: "127.0.0.1:8787" };
    expect(JSON.parse(renderStatusPage(page, elsewhere).body)).toEqual(serializeViewedStatuses(page, elsewhere));
  });

  it("render notifications with and without a status like serializeNotification", () => {
    const notifications: NotificationRecord[] = [
      { id: "5", type: "favourite", created_at: "2026-01-01T00:00:00.000Z", group_key: "favourite-101", account: other, status: mine },
      { id: "4", type: "follow", created_at: "2026-01-01T00:00:00.000Z", group_key: "ungrouped-4", account: other, status: null },
    ];
    const page = { notifications, flags, filtered: {}, cursor: null };
    expect(JSON.parse(renderNotificationPage(page, o).body)).toEqual(notifications.map((n) => serializeNotification(n, o, page)));
  });

  it("share one frozen record per snapshot text", () => {
    const text = JSON.stringify(plain);
    const a = parseStatusSnapshot(text);
    expect(parseStatusSnapshot(text)).toBe(a);
    expect(Object.isFrozen(a) && Object.isFrozen(a.account) && Object.isFrozen(a.mentions)).toBe(true);
  });
});
