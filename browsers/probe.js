/* The in-page probe: one pass over the rendered page that returns every fact the rules read.
 * Coordinates are document coordinates (CSS px), matching a full-page screenshot taken without scrolling.
 * Called as a function expression with {maxNodes, maxLinks, maxText}. */
(opts) => {
  const maxNodes = opts.maxNodes || 200000;
  const nodeCount = document.getElementsByTagName("*").length;
  if (nodeCount > maxNodes) return { tooLarge: nodeCount };
  const sx = window.scrollX, sy = window.scrollY;
  const docEl = document.documentElement, body = document.body || docEl;
  const docW = Math.max(docEl.scrollWidth, body.scrollWidth, docEl.clientWidth);
  const docH = Math.max(docEl.scrollHeight, body.scrollHeight, docEl.clientHeight);
  const styleCache = new Map();
  const cs = (el) => { let s = styleCache.get(el); if (!s) { s = getComputedStyle(el); styleCache.set(el, s); } return s; };
  const box = (r) => ({ x: r.left + sx, y: r.top + sy, w: r.width, h: r.height });
  const snip = (el, n) => { const h = el.outerHTML || ""; return h.length > (n || 600) ? h.slice(0, n || 600) + "…" : h; };
  const abs = (u) => { try { return new URL(u, document.baseURI).href; } catch (e) { return u || ""; } };
  const visCache = new Map();
  // Visible: laid out, not hidden by itself or an ancestor, not fully transparent.
  const visible = (el) => {
    if (!el || el.nodeType !== 1) return false;
    if (visCache.has(el)) return visCache.get(el);
    let v = true;
    const s = cs(el);
    if (s.display === "none" || s.visibility === "hidden" || s.visibility === "collapse" || parseFloat(s.opacity) === 0) v = false;
    else if (el.parentElement && el !== body) v = visible(el.parentElement);
    if (v && el.getClientRects().length === 0 && s.display !== "contents") v = false;
    visCache.set(el, v);
    return v;
  };
  const rectOk = (b) => b.w >= 2 && b.h >= 2 && b.x + b.w > 0 && b.y + b.h > 0 && b.x < docW;
  // The colour a person sees behind an element: the first ancestor with a background colour or image.
  const background = (el) => {
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const s = cs(e);
      const img = s.backgroundImage && s.backgroundImage !== "none" ? s.backgroundImage : null;
      const col = s.backgroundColor;
      const transparent = !col || col === "transparent" || /rgba\(.*,\s*0\)$/.test(col);
      if (img) {
        const m = img.match(/url\(["']?([^"')]+)["']?\)/);
        return { color: transparent ? null : col, image: m ? abs(m[1]) : img.slice(0, 200), gradient: !m, owner: e === el ? "self" : "ancestor", fallback: transparent ? fallbackColour(e.parentElement) : col };
      }
      if (!transparent) return { color: col, image: null };
    }
    return { color: "rgb(255, 255, 255)", image: null };
  };
  const fallbackColour = (el) => { const b = el ? background(el) : null; return b ? (b.color || b.fallback || "rgb(255, 255, 255)") : "rgb(255, 255, 255)"; };

  // --- meta tags ---
  const metas = [...document.querySelectorAll("meta")].map((m) => ({
    name: m.getAttribute("name"), property: m.getAttribute("property"), httpEquiv: m.getAttribute("http-equiv"),
    charset: m.getAttribute("charset"), content: m.getAttribute("content"),
  }));

  // --- header band: top blocks that say head/top/banner/logo; it ends where the navigation or the main content
  // begins (a broken layout may make a head block swallow the article, whose byline names the site too), and
  // never goes deeper than HEADER_MAX px (auditor/rules/_common.py HEADER_BAND_MAX says the same) ---
  const HEADER_MAX = 500, HEADER_MIN = 100;
  const HEAD_RE = /(^|[-_\s])(head|header|top|banner|logo|masthead|toper)/i;
  let headerBottom = 0, headerTop = Infinity;
  const headBlocks = [];
  for (const el of document.querySelectorAll("header, [id], [class]")) {
    if (el === body || el === docEl) continue;
    const idc = (el.id || "") + " " + (typeof el.className === "string" ? el.className : "");
    if (el.tagName !== "HEADER" && !HEAD_RE.test(idc)) continue;
    if (/foot|bottom/i.test(idc)) continue;
    const r = el.getBoundingClientRect(); const b = box(r);
    if (b.y > 420 || b.h < 20 || b.h > 650 || b.w < docW * 0.3) continue;
    if (!visible(el)) continue;
    headerBottom = Math.max(headerBottom, b.y + b.h);
    headerTop = Math.min(headerTop, b.y);
    headBlocks.push({ el, y: b.y });
  }
  headerBottom = headerBottom ? Math.min(Math.max(headerBottom, 120), HEADER_MAX) : 260;
  // The first navigation bar or main-content block below the top of the header ends the band.
  const CUT_RE = /(^|[-_\s])(nav|navbar|menu|daohang|main|content|article|mainbody|main-body|zw|container-main)($|[-_\s])/i;
  let cut = Infinity;
  for (const el of document.querySelectorAll("nav, main, article, [role=navigation], [role=main], [id], [class]")) {
    if (el === body || el === docEl) continue;
    const idc = (el.id || "") + " " + (typeof el.className === "string" ? el.className : "");
    const tag = el.tagName;
    if (!/^(NAV|MAIN|ARTICLE)$/.test(tag) && !/^(navigation|main)$/.test(el.getAttribute("role") || "") && !CUT_RE.test(idc)) continue;
    if (HEAD_RE.test(idc) && !/^(NAV|MAIN|ARTICLE)$/.test(tag)) continue;  // «head-nav» inside the header is part of it
    const b = box(el.getBoundingClientRect());
    if (b.y < HEADER_MIN || b.y <= (headerTop === Infinity ? 0 : headerTop) + 20 || b.y >= cut || b.w < docW * 0.3 || b.h < 10) continue;
    if (!visible(el)) continue;
    // A banner or logo block that starts at or below it means this is a bar above the banner, not its end.
    if (headBlocks.some((h) => h.y >= b.y - 2 && !h.el.contains(el))) continue;
    cut = b.y;
  }
  if (cut < headerBottom) headerBottom = cut;

  // --- footer band: footer blocks near the end, widened to blocks in the lower part carrying footer markers ---
  const FOOT_RE = /(^|[-_\s])(foot|footer|bottom|copyright|copy|bq|banquan)/i;
  const MARKERS = /网站标识码|ICP备|ICP证|公网安备|主办单位|主办方|主办：|主办:|版权所有|承办单位|技术支持|Copyright|©/i;
  let footerTop = docH;
  for (const el of document.querySelectorAll("footer, [id], [class]")) {
    const idc = (el.id || "") + " " + (typeof el.className === "string" ? el.className : "");
    if (el.tagName !== "FOOTER" && !FOOT_RE.test(idc)) continue;
    if (!visible(el)) continue;
    const b = box(el.getBoundingClientRect());
    if (b.h < 10 || b.y < docH * 0.35 || b.y < headerBottom) continue;
    footerTop = Math.min(footerTop, b.y);
  }

  // --- one walk over the visible text nodes ---
  const texts = [];
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let n, total = 0;
  const maxText = opts.maxText || 400000;
  while ((n = walker.nextNode())) {
    const t = n.nodeValue.replace(/\s+/g, " ").trim();
    if (!t) continue;
    const el = n.parentElement;
    if (!el || /^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE|TITLE)$/.test(el.tagName) || !visible(el)) continue;
    range.selectNodeContents(n);
    const r = range.getBoundingClientRect();
    const b = box(r);
    if (!rectOk(b)) continue;
    texts.push({ t, b, el });
    total += t.length;
    if (total > maxText) break;
  }
  // Widen the footer band up to marker blocks in the lower half of the page.
  for (const x of texts) {
    if (x.b.y > docH * 0.5 && x.b.y < footerTop && MARKERS.test(x.t)) {
      let blk = x.el;
      while (blk.parentElement && blk.parentElement !== body && cs(blk).display.startsWith("inline")) blk = blk.parentElement;
      footerTop = Math.min(footerTop, box(blk.getBoundingClientRect()).y, x.b.y);
    }
  }
  if (footerTop >= docH) footerTop = Math.max(headerBottom, docH - 600);
  const inHeader = (b) => b.y < headerBottom && b.y + b.h > 0;
  const inFooter = (b) => b.y + b.h > footerTop;

  // The block a text node belongs to (its nearest ancestor that is not inline), as a small number: the 联系方式
  // rule reads a phone number together with the words of its block (技术支持 …).
  const blocks = new Map();
  const blockOf = (el) => {
    let blk = el;
    while (blk.parentElement && blk.parentElement !== body && cs(blk).display.startsWith("inline")) blk = blk.parentElement;
    if (!blocks.has(blk)) blocks.set(blk, blocks.size);
    return blocks.get(blk);
  };
  const textItem = (x) => {
    const s = cs(x.el);
    return { text: x.t, box: x.b, color: s.color, fontSize: parseFloat(s.fontSize), bg: background(x.el), tag: x.el.tagName.toLowerCase(), html: snip(x.el, 400), blk: blockOf(x.el) };
  };

  // --- images (img elements and CSS background images in the bands) ---
  const imgItem = (img) => {
    const b = box(img.getBoundingClientRect());
    return { src: abs(img.currentSrc || img.getAttribute("src") || ""), alt: img.getAttribute("alt"), title: img.getAttribute("title"),
      box: b, loaded: img.complete && img.naturalWidth > 0, natural: [img.naturalWidth, img.naturalHeight],
      visible: visible(img) && rectOk(b), html: snip(img, 400) };
  };
  const allImgs = [...document.images];
  const images = allImgs.slice(0, opts.maxLinks || 5000).map(imgItem);
  const bgImagesIn = (pred) => {
    const out = [];
    for (const el of body.querySelectorAll("*")) {
      const s = cs(el);
      if (!s.backgroundImage || s.backgroundImage === "none" || !/url\(/.test(s.backgroundImage)) continue;
      const b = box(el.getBoundingClientRect());
      if (!rectOk(b) || !pred(b) || !visible(el)) continue;
      const m = s.backgroundImage.match(/url\(["']?([^"')]+)["']?\)/);
      out.push({ src: m ? abs(m[1]) : "", box: b, html: snip(el, 300), title: el.getAttribute("title"), ariaLabel: el.getAttribute("aria-label") });
      if (out.length > 200) break;
    }
    return out;
  };

  // --- links ---
  const linkItem = (a) => {
    const b = box(a.getBoundingClientRect());
    const imgs = [...a.querySelectorAll("img")].map((i) => ({ src: abs(i.currentSrc || i.getAttribute("src") || ""), alt: i.getAttribute("alt"), loaded: i.complete && i.naturalWidth > 0, box: box(i.getBoundingClientRect()), visible: visible(i) }));
    return { href: a.getAttribute("href") === null ? "" : abs(a.getAttribute("href")), rawHref: a.getAttribute("href"), onclick: a.getAttribute("onclick"),
      text: (a.innerText || a.textContent || "").replace(/\s+/g, " ").trim().slice(0, 200), title: a.getAttribute("title"),
      box: b, visible: visible(a) && (rectOk(b) || imgs.some((i) => i.visible && i.box.w > 2)), imgs, html: snip(a, 500) };
  };
  const allLinks = [...document.querySelectorAll("a")];
  const links = allLinks.slice(0, opts.maxLinks || 5000).map(linkItem);

  // --- scripts and the national services' placeholders ---
  const scripts = [...document.scripts].map((s) => ({ src: s.getAttribute("src") ? abs(s.getAttribute("src")) : "", id: s.id || null,
    sitecode: s.getAttribute("sitecode"), html: s.getAttribute("src") ? snip(s, 300) : (s.textContent || "").slice(0, 300) }));
  const placeholder = (el) => {
    if (!el) return { present: false };
    const b = box(el.getBoundingClientRect());
    return { present: true, visible: visible(el) && (rectOk(b) || [...el.querySelectorAll("img,a")].some((c) => rectOk(box(c.getBoundingClientRect())))),
      box: b, html: snip(el, 800), childCount: el.children.length };
  };

  // --- page-kind hints: dated list items, headings, the longest text block ---
  const DATE_RE = /(19|20)\d{2}[-./年]\s?\d{1,2}[-./月]\s?\d{1,2}/;
  let datedItems = 0;
  for (const li of document.querySelectorAll("li, tr, dd")) {
    if (li.children.length > 30) continue;
    const txt = li.textContent || "";
    if (txt.length < 200 && DATE_RE.test(txt) && li.querySelector("a")) datedItems++;
  }
  let longestBlock = 0;
  for (const p of document.querySelectorAll("p, div, td, article, section")) {
    if (p.children.length > 60) continue;
    let own = 0;
    for (const c of p.childNodes) if (c.nodeType === 3) own += c.nodeValue.trim().length;
    for (const c of p.children) if (/^(P|SPAN|FONT|STRONG|B|BR|EM)$/.test(c.tagName)) own += (c.textContent || "").trim().length;
    longestBlock = Math.max(longestBlock, own);
  }

  // --- navigation (一级栏目): links inside nav/menu blocks near the top of the page ---
  const NAV_RE = /(^|[-_\s])(nav|menu|daohang|dh|lanmu)/i;
  const navLinks = [];
  const seenNav = new Set();
  for (const el of document.querySelectorAll("nav, [id], [class], [role=navigation]")) {
    const idc = (el.id || "") + " " + (typeof el.className === "string" ? el.className : "");
    if (el.tagName !== "NAV" && el.getAttribute("role") !== "navigation" && !NAV_RE.test(idc)) continue;
    const b = box(el.getBoundingClientRect());
    if (b.y > 900 || !visible(el)) continue;
    for (const a of el.querySelectorAll("a[href]")) {
      if (seenNav.has(a) || !visible(a)) continue;
      seenNav.add(a);
      navLinks.push({ href: abs(a.getAttribute("href")), text: (a.innerText || "").replace(/\s+/g, " ").trim().slice(0, 60), box: box(a.getBoundingClientRect()) });
      if (navLinks.length >= 200) break;
    }
  }

  // --- dated list items (栏目 lists): an item with a link and a date, as shown on the page ---
  const LIST_DATE = /((?:19|20)\d{2}\s*[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}\s*日?|\b\d{1,2}[-/]\d{1,2}\b|\d{1,2}月\d{1,2}日)/;
  const listItems = [];
  for (const li of document.querySelectorAll("li, tr, dd, dl")) {
    if (listItems.length >= 600) break;
    const a = li.querySelector("a[href]");
    if (!a || li.querySelectorAll("a[href]").length > 3 || !visible(li)) continue;
    const txt = (li.innerText || "").replace(/\s+/g, " ").trim();
    if (!txt || txt.length > 300) continue;
    const m = txt.match(LIST_DATE);
    listItems.push({ text: txt.slice(0, 200), href: abs(a.getAttribute("href")), title: (a.getAttribute("title") || a.innerText || "").trim().slice(0, 120),
      date: m ? m[1] : null, box: box(li.getBoundingClientRect()), inHeader: box(li.getBoundingClientRect()).y < headerBottom });
  }

  const headerTexts = texts.filter((x) => inHeader(x.b)).slice(0, 400).map(textItem);
  const footerTexts = texts.filter((x) => inFooter(x.b)).slice(0, 800).map(textItem);
  return {
    title: document.title, lang: docEl.getAttribute("lang"), metas, nodeCount,
    viewport: { w: window.innerWidth, h: window.innerHeight }, doc: { w: docW, h: docH },
    header: { box: { x: 0, y: 0, w: docW, h: headerBottom }, texts: headerTexts,
      images: images.filter((i) => inHeader(i.box)), bgImages: bgImagesIn(inHeader),
      canvas: [...document.querySelectorAll("canvas, object, embed")].filter((c) => visible(c) && inHeader(box(c.getBoundingClientRect()))).length },
    footer: { box: { x: 0, y: footerTop, w: docW, h: docH - footerTop }, texts: footerTexts,
      links: links.filter((l) => inFooter(l.box)), images: images.filter((i) => inFooter(i.box)) },
    links, images, scripts, nav: navLinks, listItems,
    text: texts.map((x) => x.t).join("\n"),
    // Every visible text item with its box, compact (the content rules crop a hit from it).
    bodyTexts: texts.slice(0, opts.maxBodyTexts || 8000).map((x) => ({ text: x.t, box: { x: Math.round(x.b.x), y: Math.round(x.b.y), w: Math.round(x.b.w), h: Math.round(x.b.h) } })),
    placeholders: { ideConac: placeholder(document.getElementById("_ideConac")), spanJiucuo: placeholder(document.getElementById("_span_jiucuo")) },
    hints: { datedItems, h1: [...document.querySelectorAll("h1")].map((h) => h.innerText.trim()).filter(Boolean).slice(0, 5), longestBlock,
      linkCount: allLinks.length, imageCount: allImgs.length },
  };
}
