/** The links between the signed-in settings pages, at Mastodon's paths. */
const SETTINGS_PAGES: [path: string, label: string][] = [
  ["/settings/export", "Export"],
  ["/settings/imports", "Import"],
  ["/settings/aliases", "Account aliases"],
  ["/settings/migration", "Move to another account"],
  ["/settings/delete", "Delete account"],
];

/** A line of links to the other settings pages; `current` is shown without a link. */
export function settingsNav(current: string): string {
  const links = SETTINGS_PAGES.map(([path, label]) => (path === current ? `<strong>${label}</strong>` : `<a href="${path}">${label}</a>`));
  return `<nav class="settings-nav"><small>${links.join(" · ")}</small></nav>`;
}
