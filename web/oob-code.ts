import { escapeHtml, renderPage } from "./layout";

/**
 * The page for `redirect_uri=urn:ietf:wg:oauth:2.0:oob`: the app cannot receive a redirect,
 * so the user copies the authorization code into it.
 */
export function renderOobCode(lang: string, code: string): string {
  const body = `<h1>Authorization code</h1>
<p>Copy this authorization code and paste it into the application.</p>
<p class="code" id="code">${escapeHtml(code)}</p>`;
  return renderPage({ title: "Authorization code", lang, body });
}
