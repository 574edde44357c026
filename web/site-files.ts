import type { InstanceSettings } from "../core/instance-settings";

/**
 * Small site files: `robots.txt` (each account's `noindex` honoured: the profiles of accounts
 * that opted out of search engines are disallowed) and the web app manifest.
 */
export function renderRobots(noindexUsernames: string[]): string {
  const lines = ["User-agent: *", "Disallow: /api/", "Disallow: /oauth/", "Disallow: /auth/", "Disallow: /admin", "Disallow: /remote_interaction"];
  for (const name of noindexUsernames) lines.push(`Disallow: /@${name}`, `Disallow: /users/${name}`);
  return `${lines.join("\n")}\n`;
}

export function renderManifest(s: InstanceSettings, iconPath: string): string {
  return JSON.stringify({
    name: s.title,
    short_name: s.title,
    description: s.description,
    start_url: "/",
    scope: "/",
    display: "standalone",
    background_color: "#f4f4f8",
    theme_color: "#563acc",
    icons: [{ src: iconPath, sizes: "192x192", type: "image/png", purpose: "any" }],
  });
}
