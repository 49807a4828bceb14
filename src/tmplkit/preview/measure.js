// The layout check's measurements (tmplkit.preview.check): one pass over the document, run by
// page.evaluate with `once` (look at images and links: the first width only); returns
// [{kind, selector, what, px}].
(once) => {
  const out = [];
  const vw = document.documentElement.clientWidth;
  const SLACK = 1;  // sub-pixel rounding
  const NO_SPACE_SCRIPTS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
  const styleOf = new Map();
  const css = (el) => {
    let s = styleOf.get(el);
    if (!s) { s = getComputedStyle(el); styleOf.set(el, s); }
    return s;
  };
  const visible = (el) => el.getClientRects().length > 0 && css(el).visibility !== "hidden";
  const segment = (el) => {
    let s = el.localName;
    if (el.id) return s + "#" + CSS.escape(el.id);
    const classes = [...el.classList].slice(0, 2);
    for (const c of classes) s += "." + CSS.escape(c);
    const parent = el.parentElement;
    if (parent && [...parent.children].some((c) => c !== el && c.matches(s))) {
      s += ":nth-child(" + ([...parent.children].indexOf(el) + 1) + ")";
    }
    return s;
  };
  // The shortest path from the element up that names it alone: "table.lines tr:nth-child(3) > td.num".
  const selector = (el) => {
    let path = "";
    let joiner = "";
    for (let e = el; e && e.localName !== "html"; e = e.parentElement) {
      if (["tbody", "thead", "tfoot"].includes(e.localName) && path) { joiner = " "; continue; }
      path = segment(e) + joiner + path;
      joiner = " > ";
      try { if (document.querySelectorAll(path).length === 1) return path; } catch (err) {}
      if (e.id) return path;
    }
    return path || el.localName;
  };
  const report = (el, kind, what, px) => out.push({kind, selector: selector(el), what, px: Math.round(px)});
  const inline = (el) => ["inline", "contents"].includes(css(el).display);
  const container = (el) => {
    let p = el.parentElement;
    while (p && p.localName !== "html" && (inline(p) || ["tbody", "thead", "tfoot", "tr"].includes(p.localName))) p = p.parentElement;
    return p;
  };
  const paddingBox = (el) => {
    const r = el.getBoundingClientRect(), s = css(el);
    return {left: r.left + parseFloat(s.borderLeftWidth), right: r.right - parseFloat(s.borderRightWidth)};
  };
  const clips = (v) => v === "hidden" || v === "clip";
  const all = [...document.body.querySelectorAll("*")].filter(visible);
  // Rows and cells take their width from their table: the table stands for them.
  const ROWS = ["tr", "tbody", "thead", "tfoot"];
  const REPLACED = ["img", "video", "iframe", "input", "select", "textarea", "object", "embed", "svg"];

  // overflow: the innermost elements wider than the viewport (rows and row groups stand for
  // their table), then anything else sticking out of its container or past the viewport.
  const tooWide = new Set(all.filter((el) => el.getBoundingClientRect().width > vw + SLACK
    && !ROWS.includes(el.localName) && !["td", "th"].includes(el.localName)));
  const reported = new Set();
  for (const el of tooWide) {
    let inner = false;
    for (const other of tooWide) if (other !== el && el.contains(other)) { inner = true; break; }
    if (inner) continue;
    const px = el.getBoundingClientRect().width - vw;
    report(el, "overflow", Math.round(px) + " px wider than the viewport (" + vw + " px)", px);
    reported.add(el);
  }
  const insideReported = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) if (reported.has(p)) return true;
    return false;
  };
  for (const el of all) {
    if (reported.has(el) || tooWide.has(el) || ROWS.includes(el.localName)) continue;
    if (insideReported(el) || [...tooWide].some((w) => el.contains(w))) continue;
    const pos = css(el).position;
    if (pos === "absolute" || pos === "fixed") continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0) continue;
    const c = container(el);
    if (c && c.localName !== "body" && c.localName !== "html" && !tooWide.has(c)) {
      const box = paddingBox(c);
      const px = Math.max(r.right - box.right, box.left - r.left);
      if (px > SLACK) {
        report(el, "overflow", Math.round(px) + " px wider than its container", px);
        reported.add(el);
        continue;
      }
    }
    const px = Math.max(r.right - vw, -r.left);
    if (px > SLACK) {
      report(el, "overflow", Math.round(px) + " px past the edge of the viewport", px);
      reported.add(el);
    }
  }

  for (const el of all) {
    const s = css(el);
    // clipped: content cut off by overflow hidden/clip.
    if ((clips(s.overflowX) || clips(s.overflowY)) && !REPLACED.includes(el.localName)) {
      const dx = clips(s.overflowX) ? el.scrollWidth - el.clientWidth : 0;
      const dy = clips(s.overflowY) ? el.scrollHeight - el.clientHeight : 0;
      if (dx > SLACK) { report(el, "clipped", "content clipped by overflow:hidden: " + dx + " px wider than its box", dx); continue; }
      if (dy > SLACK) { report(el, "clipped", "content clipped by overflow:hidden: " + dy + " px taller than its box", dy); continue; }
    }
    if (inline(el)) continue;
    // text: its own text running out of its padding box.
    const box = paddingBox(el);
    let px = 0, words = [];
    for (const node of el.childNodes) {
      if (node.nodeType !== Node.TEXT_NODE || !node.data.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const rects = [...range.getClientRects()];
      for (const t of rects) px = Math.max(px, t.right - box.right, box.left - t.left);
      // wrap: one word broken over lines.
      const word = node.data.trim();
      if (word.length > 1 && !/\s/.test(word) && !NO_SPACE_SCRIPTS.test(word)) {
        const lines = new Set(rects.filter((t) => t.width > 0).map((t) => Math.round(t.top))).size;
        if (lines > 1) words.push([word, lines]);
      }
    }
    if (px > SLACK && !reported.has(el) && !clips(s.overflowX)) report(el, "text", "text runs " + Math.round(px) + " px out of its box", px);
    for (const [word, lines] of words) {
      const w = Math.round(box.right - box.left);
      report(el, "wrap", JSON.stringify(word) + " is broken over " + lines + " lines in a " + w + " px wide box", 0);
    }
  }

  // row: table rows whose cells end short of the table's widest row.
  for (const table of document.querySelectorAll("table")) {
    if (!visible(table)) continue;
    const rows = [...table.rows].filter((tr) => tr.closest("table") === table && visible(tr));
    const spans = rows.map((tr) => {
      const cells = [...tr.cells].filter(visible).map((td) => td.getBoundingClientRect());
      if (!cells.length) return null;
      return {left: Math.min(...cells.map((c) => c.left)), right: Math.max(...cells.map((c) => c.right))};
    });
    const known = spans.filter((x) => x);
    if (known.length < 2) continue;
    const left = Math.min(...known.map((x) => x.left)), right = Math.max(...known.map((x) => x.right));
    rows.forEach((tr, i) => {
      const sp = spans[i];
      if (!sp) return;
      const px = Math.max(right - sp.right, sp.left - left);
      if (px > SLACK + 1) report(tr, "row", "row ends " + Math.round(px) + " px short of the table's other rows", px);
    });
  }

  if (once) {
    for (const img of document.images) {
      const src = img.getAttribute("src") || "";
      if (/^\s*https?:/i.test(src) || /^\s*\/\//.test(src)) continue;
      if (!src.trim()) { report(img, "image", "image without a src", 0); continue; }
      if (img.naturalWidth === 0) report(img, "image", "image " + JSON.stringify(src) + " did not load", 0);
    }
    for (const a of document.querySelectorAll("a")) {
      if (a.hasAttribute("name") && !a.hasAttribute("href")) continue;
      const href = a.getAttribute("href");
      if (href === null) report(a, "link", "link without an href", 0);
      else if (!href.trim()) report(a, "link", "link with an empty href", 0);
    }
  }
  return out;
}
