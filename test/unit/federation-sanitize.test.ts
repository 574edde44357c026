import { describe, expect, it } from "vitest";
import { decodeEntities, htmlToText, sanitizeHtml } from "../../lib/federation/sanitize";

describe("sanitizeHtml (remote HTML to Mastodon's allow-list)", () => {
  it("keeps the allowed elements", async () => {
    const html =
      "<p>a<br>b <strong>s</strong> <b>b</b> <em>e</em> <i>i</i> <del>d</del> <s>s</s></p>" +
      "<ul><li>one</li></ul><ol><li>two</li></ol><blockquote>q</blockquote><pre><code>x = 1</code></pre>";
    expect(await sanitizeHtml(html)).toBe(html);
  });

  it("removes script, style and iframe elements with their content", async () => {
    const out = await sanitizeHtml(
      '<p>hi</p><script>alert(1)</script><style>p{color:red}</style><iframe src="https://evil.example">inner</iframe><p>bye</p>',
    );
    expect(out).toBe("<p>hi</p><p>bye</p>");
  });

  it("never lets raw-text content come out as markup", async () => {
    const out = await sanitizeHtml('<textarea><img src=x onerror="alert(1)"></textarea><title><script>x</script></title><p>ok</p>');
    expect(out).toBe("<p>ok</p>");
    const tricky = await sanitizeHtml("<p>1 < 2 and 3 > 2</p><noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></p></noscript>");
    expect(tricky).not.toMatch(/<img|onerror=|<script/i);
    expect(tricky).toContain("<p>1 &lt; 2 and 3 &gt; 2</p>");
  });

  it("drops javascript:, data: and relative hrefs but keeps the link text", async () => {
    expect(await sanitizeHtml('<p><a href="javascript:alert(1)">x</a></p>')).toBe("<p>x</p>");
    expect(await sanitizeHtml('<p><a href=" JaVaScRiPt:alert(1)">x</a></p>')).toBe("<p>x</p>");
    expect(await sanitizeHtml('<p><a href="data:text/html,hi">x</a></p>')).toBe("<p>x</p>");
    expect(await sanitizeHtml('<p><a href="/local">x</a></p>')).toBe("<p>x</p>");
  });

  it("forces rel and target on http(s) links and strips other attributes", async () => {
    const out = await sanitizeHtml('<a href="https://example.com/x" onclick="evil()" style="color:red" rel="me" target="_self" title="t">x</a>');
    expect(out).toBe('<a href="https://example.com/x" rel="nofollow noopener noreferrer" target="_blank">x</a>');
  });

  it("keeps the known classes on spans and links and drops the others", async () => {
    const out = await sanitizeHtml(
      '<span class="h-card"><a href="https://remote.example/@bob" class="u-url mention evil">@<span class="invisible big">bob</span></a></span>' +
        '<a href="https://remote.example/tags/x" class="mention hashtag">#x</a><span class="ellipsis">…</span><span class="red">r</span>',
    );
    expect(out).toBe(
      '<span class="h-card"><a href="https://remote.example/@bob" class="u-url mention" rel="nofollow noopener noreferrer" target="_blank">@<span class="invisible">bob</span></a></span>' +
        '<a href="https://remote.example/tags/x" class="mention hashtag" rel="nofollow noopener noreferrer" target="_blank">#x</a><span class="ellipsis">…</span><span>r</span>',
    );
  });

  it("strips attributes of allowed elements, event handlers included", async () => {
    expect(await sanitizeHtml('<p onmouseover="x()" style="a" id="i" class="c">t</p>')).toBe("<p>t</p>");
    expect(await sanitizeHtml('<strong onclick="x()">t</strong>')).toBe("<strong>t</strong>");
  });

  it("turns headings into a bold paragraph as Mastodon does", async () => {
    expect(await sanitizeHtml('<h1 id="x">Title</h1><p>body</p><h3>Sub</h3>')).toBe(
      "<p><strong>Title</strong></p><p>body</p><p><strong>Sub</strong></p>",
    );
  });

  it("unwraps unknown elements, drops images, comments and document wrappers", async () => {
    const out = await sanitizeHtml(
      '<html><head><title>t</title></head><body><div class="x"><section>a <img src="https://x/y.png"> <u>u</u></section></div><!-- c --></body></html>',
    );
    expect(out).toBe("a  u");
  });

  it("returns empty for empty input", async () => {
    expect(await sanitizeHtml("")).toBe("");
  });
});

describe("htmlToText", () => {
  it("drops tags, keeps line structure and decodes entities", async () => {
    expect(await htmlToText("<p>One &amp; <b>two</b></p><p>three<br>four &#x1F600; &lt;x&gt;</p><script>x</script>")).toBe(
      "One & two\n\nthree\nfour 😀 <x>",
    );
  });

  it("decodeEntities leaves unknown entities alone", () => {
    expect(decodeEntities("&bogus; &#0; &#65;")).toBe("&bogus; &#0; A");
  });
});
