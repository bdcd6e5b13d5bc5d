/* The probe of a followed «联系我们» page (a trimmed probe.js): every visible text node with its box (document
 * coordinates) and its block, and the page's mailto: links. Called as a function expression with {maxText}. */
(opts) => {
  const sx = window.scrollX, sy = window.scrollY;
  const docEl = document.documentElement, body = document.body || docEl;
  const docW = Math.max(docEl.scrollWidth, body.scrollWidth, docEl.clientWidth);
  const cache = new Map();
  const cs = (el) => { let s = cache.get(el); if (!s) { s = getComputedStyle(el); cache.set(el, s); } return s; };
  const box = (r) => ({ x: r.left + sx, y: r.top + sy, w: r.width, h: r.height });
  const vis = new Map();
  const visible = (el) => {
    if (!el || el.nodeType !== 1) return false;
    if (vis.has(el)) return vis.get(el);
    const s = cs(el);
    let v = !(s.display === "none" || s.visibility === "hidden" || s.visibility === "collapse" || parseFloat(s.opacity) === 0);
    if (v && el.parentElement && el !== body) v = visible(el.parentElement);
    if (v && el.getClientRects().length === 0 && s.display !== "contents") v = false;
    vis.set(el, v);
    return v;
  };
  const blocks = new Map();
  const blockOf = (el) => {
    let blk = el;
    while (blk.parentElement && blk.parentElement !== body && cs(blk).display.startsWith("inline")) blk = blk.parentElement;
    if (!blocks.has(blk)) blocks.set(blk, blocks.size);
    return blocks.get(blk);
  };
  const texts = [];
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  const maxText = opts.maxText || 100000;
  let n, total = 0;
  while ((n = walker.nextNode())) {
    const t = n.nodeValue.replace(/\s+/g, " ").trim();
    if (!t) continue;
    const el = n.parentElement;
    if (!el || /^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE|TITLE)$/.test(el.tagName) || !visible(el)) continue;
    range.selectNodeContents(n);
    const b = box(range.getBoundingClientRect());
    if (b.w < 2 || b.h < 2 || b.x + b.w <= 0 || b.y + b.h <= 0 || b.x >= docW) continue;
    texts.push({ text: t.slice(0, 500), box: b, blk: blockOf(el) });
    total += t.length;
    if (total > maxText || texts.length >= 3000) break;
  }
  const mailto = [...document.querySelectorAll("a[href^='mailto:' i]")].filter(visible).slice(0, 50).map((a) => ({
    href: a.getAttribute("href"), text: (a.innerText || "").trim().slice(0, 200), title: a.getAttribute("title"),
    box: box(a.getBoundingClientRect()), visible: true }));
  return { title: document.title, texts, mailto, doc: { w: docW, h: Math.max(docEl.scrollHeight, body.scrollHeight) } };
}
