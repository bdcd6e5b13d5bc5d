// In-page helpers for the 无障碍/适老化 checks: find the entries, measure the page's state, list floating
// elements, read the focused element's style, find clipped text. Installed as window.__ga; every function is
// read-only except mark() (a JS expando, not an attribute, so the page's own observers do not fire).
(() => {
  if (window.__ga) return;
  const ELDERLY_RE = /适老|长者|关怀版|关爱版|老年模式|老年版|老人模式|大字版|大字模式|银发|敬老版/;
  const A11Y_RE = /无障碍|辅助浏览|辅助阅读|辅助工具|读屏|信息无障碍|盲人|助残/;
  const NOT_ENTRY_RE = /声明|环境|设施|建设|条例|通知|办法|方案|报告|规划|工作|服务中心/;
  const TOOLBAR_SRC_RE = /aria\.js|\/wza\/|wza[._-]|cniil|barrierfree|accessib|ydzs|assist.*\.js|toolbar.*\.js|slh\.js/i;
  const AD_RE = /(^|[-_\s])(float|piao|piaofu|ad|ads|advert|popup|pop|tanchuang|tc|dialog|modal|layer|mask|overlay|notice)([-_\s\d]|$)/i;

  function visible(el) {
    if (!el || !el.getBoundingClientRect) return false;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return false;
    const cs = getComputedStyle(el);
    if (cs.visibility === "hidden" || cs.display === "none" || parseFloat(cs.opacity) === 0) return false;
    return el.checkVisibility ? el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) : true;
  }
  function box(el) {
    const r = el.getBoundingClientRect();
    return { x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height };
  }
  function vbox(el) {
    const r = el.getBoundingClientRect();
    return { x: r.left, y: r.top, w: r.width, h: r.height };
  }
  function path(el) {
    if (el.id && document.querySelectorAll("#" + CSS.escape(el.id)).length === 1) return "#" + CSS.escape(el.id);
    const parts = [];
    while (el && el.nodeType === 1 && el !== document.documentElement) {
      let i = 1, s = el;
      while ((s = s.previousElementSibling)) if (s.tagName === el.tagName) i++;
      parts.unshift(el.tagName.toLowerCase() + ":nth-of-type(" + i + ")");
      el = el.parentElement;
    }
    return "html > " + parts.join(" > ");
  }
  function label(el) {
    const t = (el.innerText || "").replace(/\s+/g, "").trim();
    const alt = el.tagName === "IMG" ? (el.getAttribute("alt") || "") : "";
    const img = el.querySelector ? el.querySelector("img[alt]") : null;
    return (t || alt || (img && img.getAttribute("alt")) || el.getAttribute("title") ||
            el.getAttribute("aria-label") || el.value || "").toString().trim();
  }
  const CLICKABLE = "a, button, [role=button], [onclick], input[type=button], input[type=submit], img, span, li, div";

  function find() {
    const entries = [];
    const seen = new Set();
    for (const el of document.querySelectorAll(CLICKABLE)) {
      if (!visible(el)) continue;
      const text = label(el);
      if (!text || text.length > 12 || NOT_ENTRY_RE.test(text)) continue;
      const kind = ELDERLY_RE.test(text) ? "elderly" : A11Y_RE.test(text) ? "a11y" : null;
      if (!kind) continue;
      // The innermost clickable owner: a link or button around a span/img is what a user clicks.
      const owner = el.closest("a, button, [role=button], [onclick], input") || el;
      if (seen.has(owner)) continue;
      // A plain span/div/li counts only if it carries a handler or sits in a link.
      if (owner === el && /^(SPAN|LI|DIV|IMG)$/.test(el.tagName) && !el.onclick && !el.getAttribute("onclick")) {
        const cs = getComputedStyle(el);
        if (cs.cursor !== "pointer") continue;
      }
      seen.add(owner);
      const href = owner.getAttribute("href") || "";
      const b = box(owner);
      entries.push({ kind, text, tag: owner.tagName.toLowerCase(), selector: path(owner), href,
                     abs: href && !/^(javascript:|#)/i.test(href) ? owner.href : "",
                     onclick: (owner.getAttribute("onclick") || "").slice(0, 200), box: b,
                     html: owner.outerHTML.slice(0, 400) });
    }
    // Top of the page first: the entry inspectors look for sits in the top bar or header.
    entries.sort((a, b) => (a.box.y - b.box.y) || (a.box.x - b.box.x));
    const scripts = [...document.scripts].map((s) => s.src).filter((s) => s && TOOLBAR_SRC_RE.test(s));
    const globals = ["aria", "ariaTool", "wza", "cniil", "AccessibilityToolbar", "AccessibleTool"]
      .filter((g) => window[g] !== undefined);
    return { entries: entries.slice(0, 20), toolbarScripts: scripts.slice(0, 10), toolbarGlobals: globals };
  }

  function mark() {
    for (const el of document.querySelectorAll("*")) el.__gaSeen = 1;
  }

  function mainText(root) {
    // Font size of the text under root: the median over visible characters (CSS px, times any page zoom).
    const sizes = [];
    const colors = new Map();
    const walker = document.createTreeWalker(root || document.body || document.documentElement, NodeFilter.SHOW_TEXT);
    let n, count = 0;
    while ((n = walker.nextNode()) && count < 5000) {
      const t = n.nodeValue.replace(/\s+/g, "");
      if (!t) continue;
      const el = n.parentElement;
      if (!el || /^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE)$/.test(el.tagName) || !visible(el)) continue;
      count++;
      const cs = getComputedStyle(el);
      sizes.push([parseFloat(cs.fontSize), t.length]);
      colors.set(cs.color, (colors.get(cs.color) || 0) + t.length);
    }
    sizes.sort((a, b) => a[0] - b[0]);
    const total = sizes.reduce((s, x) => s + x[1], 0);
    let acc = 0, median = 0;
    for (const [s, w] of sizes) { acc += w; if (acc >= total / 2) { median = s; break; } }
    let color = "", best = 0;
    for (const [c, w] of colors) if (w > best) { best = w; color = c; }
    return { median, chars: total, color };
  }

  // Where the 正文 is, by what the page calls it (not by which block holds the most text: on a portal home page
  // that is the news lists). Semantic elements first, then the ids and classes content-management systems give
  // the text block (TRS's #zoom, .content, .article, .main, .text). Blocks named like navigation are skipped.
  const MAIN_SELECTORS = ["main", "[role=main]", "article", "#zoom", ".zoom", "#content", ".content", "#article",
    ".article", "#main", ".main", "#text", ".text", "[id*=zoom i]", "[class*=zoom i]", "[id*=content i]",
    "[class*=content i]", "[id*=article i]", "[class*=article i]", "[id*=main i]", "[class*=main i]",
    "[id*=text i]", "[class*=text i]"];
  const NOT_MAIN_RE = /nav|menu|head|foot|top|bar|daohang|banner|logo|search|link|tool|list/i;
  const MAIN_MIN_CHARS = 30;

  function mainBlock(sel) {
    if (sel) {
      let el = null;
      try { el = document.querySelector(sel); } catch (e) {}
      if (el && visible(el)) return { el, selector: sel };
    }
    for (const s of MAIN_SELECTORS) {
      for (const el of document.querySelectorAll(s)) {
        if (el === document.body || el === document.documentElement || !visible(el)) continue;
        const idc = (el.id || "") + " " + (el.className && el.className.toString ? el.className.toString() : "");
        if (s.includes("*=") && NOT_MAIN_RE.test(idc)) continue;
        if ((el.innerText || "").replace(/\s+/g, "").length < MAIN_MIN_CHARS) continue;
        return { el, selector: path(el), matched: s };
      }
    }
    return null;
  }

  function scale(el) {
    if (!el) return 1;
    const cs = getComputedStyle(el);
    let z = parseFloat(cs.zoom) || 1;
    const m = cs.transform && cs.transform !== "none" ? cs.transform.match(/matrix\(([-\d.e]+)/) : null;
    if (m) z *= parseFloat(m[1]) || 1;
    return z;
  }

  function background(el) {
    while (el) {
      const bg = getComputedStyle(el).backgroundColor;
      if (bg && bg !== "rgba(0, 0, 0, 0)" && bg !== "transparent") return bg;
      el = el.parentElement;
    }
    return "rgb(255, 255, 255)";
  }

  function measure(mainSel) {
    const text = mainText(document.body || document.documentElement);
    const zoom = scale(document.documentElement) * scale(document.body);
    let fresh = 0, toolbar = null, toolbarArea = 0;
    for (const el of document.querySelectorAll("body *")) {
      if (el.__gaSeen || !visible(el)) continue;
      fresh++;
      // The largest new container holding several controls is the toolbar the entry opened.
      if (el.parentElement && !el.parentElement.__gaSeen && el.parentElement !== document.body) continue;
      const controls = el.querySelectorAll("a, button, [role=button], [onclick], input").length;
      const r = el.getBoundingClientRect();
      if (controls >= 3 && r.width * r.height > toolbarArea) {
        toolbarArea = r.width * r.height;
        toolbar = { selector: path(el), box: box(el), controls, text: label(el).slice(0, 60) };
      }
    }
    // The 正文 block: the same element as before the click when it is still there (mainSel), else found anew.
    const blk = mainBlock(mainSel);
    let main = null;
    if (blk) {
      const t = mainText(blk.el);
      // Zoom on the block or an ancestor below body counts as the block's own enlargement.
      let z = zoom;
      for (let p = blk.el; p && p !== document.body && p !== document.documentElement; p = p.parentElement) z *= scale(p);
      main = { selector: blk.selector, matched: blk.matched || null, fontPx: t.median * z, rawFontPx: t.median,
               chars: t.chars, color: t.color, box: box(blk.el) };
    }
    const mainEl = blk ? blk.el : (document.querySelector("main, #main, .main, .content, #content, article") || document.body);
    return {
      url: location.href,
      fontPx: text.median * zoom, rawFontPx: text.median, zoom, chars: text.chars,
      textColor: text.color, bodyBg: background(document.body), mainBg: background(mainEl),
      htmlClass: document.documentElement.className.toString().slice(0, 200),
      bodyClass: (document.body ? document.body.className.toString() : "").slice(0, 200),
      filter: getComputedStyle(document.documentElement).filter + " " + (document.body ? getComputedStyle(document.body).filter : ""),
      newVisible: fresh, toolbar, main,
    };
  }

  function domClick(selector) {
    // The page's own click (HTMLElement.click()): reaches the handler even when an overlay covers the entry.
    const el = document.querySelector(selector);
    if (!el) return false;
    el.scrollIntoView({ block: "center" });
    el.click();
    return true;
  }

  function clickAt(x, y) {
    // An entry found by OCR has only a place: the element drawn there (page coordinates), clicked by the DOM.
    window.scrollTo(0, Math.max(0, y - window.innerHeight / 2));
    let el = document.elementFromPoint(x - window.scrollX, y - window.scrollY);
    if (!el) return false;
    el = el.closest("a, button, [role=button], [onclick], input") || el;
    el.click();
    return true;
  }

  function resources(urls) {
    // What the page's Resource Timing says of each URL (for a script loaded before the auditor listened).
    return urls.map((u) => {
      const e = performance.getEntriesByName(u).slice(-1)[0];
      if (!e) return null;
      return { duration: e.duration, responseEnd: e.responseEnd, transferSize: e.transferSize,
               status: e.responseStatus || 0 };
    });
  }

  function floating(exclude) {
    const out = [];
    const vw = window.innerWidth, vh = window.innerHeight;
    const skip = exclude ? document.querySelector(exclude) : null;
    for (const el of document.querySelectorAll("body *")) {
      const cs = getComputedStyle(el);
      const idc = (el.id || "") + " " + (el.className && el.className.toString ? el.className.toString() : "");
      const isFixed = cs.position === "fixed";
      const adLike = AD_RE.test(idc);
      if (!isFixed && !(cs.position === "absolute" && adLike)) continue;
      if (!visible(el) || (skip && (skip.contains(el) || el.contains(skip)))) continue;
      // Only the outermost floating element of a group.
      let p = el.parentElement, inner = false;
      while (p && p !== document.body) { const pp = getComputedStyle(p).position; if (pp === "fixed") { inner = true; break; } p = p.parentElement; }
      if (inner) continue;
      const r = el.getBoundingClientRect();
      if (r.right < 0 || r.bottom < 0 || r.left > vw || r.top > vh) continue;
      const area = r.width * r.height;
      const text = label(el).slice(0, 60);
      const bar = r.width >= vw * 0.9 && r.height <= 140 && (r.top <= 2 || r.bottom >= vh - 2);
      const overlay = r.width >= vw * 0.8 && r.height >= vh * 0.5;
      const hasImg = !!el.querySelector("img, video, iframe, canvas") || el.tagName === "IMG";
      const hasClose = /关闭|×|✕|close/i.test(el.innerText || "") || !!el.querySelector("[class*=close], [id*=close]");
      const backToTop = area < 8000 && /顶部|返回|top|回到/i.test(text + idc);
      out.push({ selector: path(el), box: box(el), area: Math.round(area), fixed: isFixed, adLike, bar, overlay,
                 hasImg, hasClose, backToTop, text, html: el.outerHTML.slice(0, 400) });
      if (out.length >= 40) break;
    }
    return out;
  }

  function focused() {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    return { selector: path(el), tag: el.tagName.toLowerCase(), text: label(el).slice(0, 40),
             href: el.href || "", box: box(el), vbox: vbox(el), style: styleOf(el), html: el.outerHTML.slice(0, 300),
             inNav: !!el.closest("nav, [role=navigation], [id*=nav i], [class*=nav i], [id*=menu i], [class*=menu i], [class*=daohang i]") };
  }
  function styleOf(el) {
    const cs = getComputedStyle(el);
    return [cs.outlineStyle, cs.outlineWidth, cs.outlineColor, cs.boxShadow, cs.backgroundColor, cs.color,
            cs.borderTopColor, cs.borderBottomColor, cs.borderBottomWidth, cs.textDecorationLine, cs.transform].join("|");
  }
  function stylesOf(selectors) {
    return selectors.map((s) => { let el = null; try { el = document.querySelector(s); } catch (e) {} return el ? styleOf(el) : null; });
  }

  function clipped() {
    // Text cut off by its box: overflow hidden/clip with content wider or taller than the box.
    const out = [];
    for (const el of document.querySelectorAll("body *")) {
      const cs = getComputedStyle(el);
      if (!/(hidden|clip)/.test(cs.overflowX + cs.overflowY)) continue;
      if (!visible(el)) continue;
      const t = (el.innerText || "").replace(/\s+/g, "");
      if (t.length < 2) continue;
      // Deliberate truncation with an ellipsis shows that text is cut (and lists carry the full title).
      if (cs.textOverflow === "ellipsis") continue;
      const overX = el.scrollWidth - el.clientWidth > 2 && /(hidden|clip)/.test(cs.overflowX);
      const overY = el.scrollHeight - el.clientHeight > 4 && /(hidden|clip)/.test(cs.overflowY);
      if (overX || overY) out.push({ selector: path(el), box: box(el), text: t.slice(0, 40) });
      if (out.length >= 200) break;
    }
    const se = document.scrollingElement || document.documentElement;
    return { clipped: out, scrollWidth: se.scrollWidth, innerWidth: window.innerWidth };
  }

  function textZoom(factor) {
    // Text-only zoom (as browsers' "zoom text only" and WCAG 1.4.4 test it): every element's computed font size
    // (and a pixel line height) times the factor, set inline; boxes keep their CSS sizes.
    const els = [...document.querySelectorAll("body, body *")];
    const sizes = els.map((el) => { const cs = getComputedStyle(el); return [parseFloat(cs.fontSize), cs.lineHeight]; });
    els.forEach((el, i) => {
      const [fs, lh] = sizes[i];
      el.style.setProperty("font-size", (fs * factor) + "px", "important");
      if (/px$/.test(lh)) el.style.setProperty("line-height", (parseFloat(lh) * factor) + "px", "important");
    });
    return els.length;
  }

  window.__ga = { find, mark, measure, floating, focused, stylesOf, clipped, textZoom, domClick, clickAt, resources };
})();
