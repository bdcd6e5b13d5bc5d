(options) => {
  // govsite-auditor's own in-page checks, run right after axe-core in the same document and reported in axe's
  // violation shape (see browsers/a11y_extra.py for why they exist). Reads the page only: never changes it.
  const ALL = ["ga-symbol-contrast", "ga-form-submit", "ga-image-link-alt"];
  const asked = options && Array.isArray(options.rules) ? options.rules : ALL;
  const want = new Set(ALL.filter((r) => asked.includes(r)));
  const CAP = 200;
  const REVIEW = "review:";  // key prefix of the nodes left for review
  const EPS = 0.999;
  const root = document.documentElement;
  if (!root || !want.size) return [];

  // ---------------------------------------------------------------- shared helpers
  const styles = new Map();
  const cs = (el) => {
    let s = styles.get(el);
    if (!s) { s = window.getComputedStyle(el); styles.set(el, s); }
    return s;
  };
  const up = (el) => el.parentElement || (el.parentNode && el.parentNode.host) || null;
  const related = (a, b) => a === b || a.contains(b) || b.contains(a);

  let canvasCtx = null;
  const colorCache = new Map();
  // Computed colours as [r, g, b, a] (0-255, alpha 0-1); other colour spaces through a 1x1 canvas.
  const parseColor = (str) => {
    if (!str) return null;
    let c = colorCache.get(str);
    if (c !== undefined) return c;
    c = null;
    const m = /^rgba?\(([^)]*)\)$/.exec(str.trim());
    if (m) {
      const p = m[1].split(/[\s,\/]+/).filter(Boolean)
        .map((x) => x.endsWith("%") ? parseFloat(x) / 100 : parseFloat(x));
      if (p.length >= 3 && p.slice(0, 3).every((x) => isFinite(x))) {
        c = [p[0], p[1], p[2], p.length > 3 && isFinite(p[3]) ? p[3] : 1];
      }
    } else if (str === "transparent") {
      c = [0, 0, 0, 0];
    } else {
      try {
        if (!canvasCtx) {
          const cv = document.createElement("canvas");  // never attached to the document
          cv.width = cv.height = 1;
          canvasCtx = cv.getContext("2d", {willReadFrequently: true});
        }
        canvasCtx.clearRect(0, 0, 1, 1);
        canvasCtx.fillStyle = "rgba(0, 0, 0, 0)";
        canvasCtx.fillStyle = str;
        canvasCtx.fillRect(0, 0, 1, 1);
        const d = canvasCtx.getImageData(0, 0, 1, 1).data;
        c = d[3] ? [d[0] * 255 / d[3], d[1] * 255 / d[3], d[2] * 255 / d[3], d[3] / 255] : [0, 0, 0, 0];
      } catch (e) { c = null; }
    }
    colorCache.set(str, c);
    return c;
  };
  const hex = (c) => "#" + c.slice(0, 3).map((v) => Math.round(Math.max(0, Math.min(255, v)))
    .toString(16).padStart(2, "0")).join("");
  const lum = (c) => {
    const ch = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * ch(c[0]) + 0.7152 * ch(c[1]) + 0.0722 * ch(c[2]);
  };
  // Premultiplied compositing: [r*a, g*a, b*a, a].
  const pre = (c) => [c[0] * c[3], c[1] * c[3], c[2] * c[3], c[3]];
  const over = (s, d) => [s[0] + d[0] * (1 - s[3]), s[1] + d[1] * (1 - s[3]), s[2] + d[2] * (1 - s[3]),
                          s[3] + d[3] * (1 - s[3])];
  const scale = (c, o) => [c[0] * o, c[1] * o, c[2] * o, c[3] * o];

  // Rendered as far as CSS says: a box, not visibility:hidden/collapse, (optionally) no opacity 0 on the way up.
  const shown = (el, withOpacity) => {
    if (typeof el.checkVisibility === "function") {
      return el.checkVisibility({visibilityProperty: true, checkVisibilityCSS: true,
                                 opacityProperty: !!withOpacity, checkOpacity: !!withOpacity});
    }
    const s = cs(el);
    if (s.visibility === "hidden" || s.visibility === "collapse") return false;
    for (let a = el; a; a = up(a)) {
      const sa = cs(a);
      if (sa.display === "none") return false;
      if (withOpacity && parseFloat(sa.opacity) === 0) return false;
    }
    return true;
  };
  const boxed = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };

  // Node targets like axe's (an id where unique, else tag.class steps joined by " > " with :nth-child where
  // siblings look alike, as short as is unique). axe.utils.getSelector itself needs axe's flattened tree,
  // which costs a whole-document walk (15-25 ms on a 500-element page) once axe.run has torn it down: it is
  // used only while that tree is still set up.
  const unique = (sel) => { try { return document.querySelectorAll(sel).length === 1; } catch (e) { return false; } };
  const CLASS_OK = /^[A-Za-z_-][A-Za-z0-9_-]*$/;
  // One step, unique among the element's siblings by construction (":nth-child" where others look alike).
  const stepOf = (e) => {
    if (e.id && unique("#" + CSS.escape(e.id))) return {sel: "#" + CSS.escape(e.id), anchor: true};
    const classes = Array.prototype.filter.call(e.classList, (c) => CLASS_OK.test(c)).slice(0, 2);
    let sel = CSS.escape(e.localName) + classes.map((c) => "." + c).join("");
    const p = e.parentElement;
    if (p) {
      let alike = 0;
      for (let c = p.firstElementChild; c && alike < 2; c = c.nextElementSibling) {
        if (c.localName === e.localName && classes.every((k) => c.classList.contains(k))) alike++;
      }
      if (alike > 1) sel += `:nth-child(${Array.prototype.indexOf.call(p.children, e) + 1})`;
    }
    return {sel, anchor: !p};
  };
  // The shortest unique tail among the first few steps; past that, the chain up to an element with a unique
  // id (or the root), which is unique without asking the document.
  const ownSelector = (el) => {
    let sel = "";
    let checks = 0;
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const step = stepOf(e);
      sel = sel ? `${step.sel} > ${sel}` : step.sel;
      if (step.anchor) return sel;
      if (checks < 4) { checks++; if (unique(sel)) return sel; }
    }
    return sel;
  };
  const selectorOf = (el) => {
    const ax = window.axe;
    if (ax && ax._selectorData && ax.utils && typeof ax.utils.getSelector === "function") {
      try { const s = ax.utils.getSelector(el); if (s) return s; } catch (e) { /* own selector */ }
    }
    try { return ownSelector(el); } catch (e) { return el.localName || "*"; }
  };
  const htmlOf = (el) => { const h = el.outerHTML || ""; return h.length > 600 ? h.slice(0, 597) + "..." : h; };

  const results = {};
  const add = (id, el, message, impact) => {
    const list = results[id] || (results[id] = []);
    if (list.length >= CAP) return;
    list.push({el, message, impact});
  };
  const full = (id) => (results[id] || []).length >= CAP;

  // ---------------------------------------------------------------- 1. ga-symbol-contrast
  const SYMBOLS = /^[\p{P}\p{S}]+$/u;
  const INVISIBLE = /[\s\p{Cf}]+/gu;
  const NO_TEXT = "option,optgroup,select,datalist,script,style,noscript,template,textarea,title,head";
  const T = window.axe && window.axe.commons && window.axe.commons.text;
  // True where axe-core's color-contrast reaches no verdict on a failing text, the text we judge: not applicable
  // (only punctuation and emoji), "nonBmp" (only non-BMP symbols: arrows, shapes) or "shortTextContent" (a
  // single character, e.g. "»") are left as needs-review at most. Text axe does judge ("» »", "©2024",
  // "| |") stays axe's, so nothing is reported twice.
  const axeSkips = (parts) => {
    if (!T || typeof T.removeUnicode !== "function" || typeof T.sanitize !== "function") return true;
    const text = T.sanitize(parts.join(""));
    if (text.length <= 1) return true;
    if (T.removeUnicode(text, {emoji: true, nonBmp: false, punctuations: true}) === "") return true;
    return typeof T.hasUnicode === "function" && T.hasUnicode(text, {nonBmp: true})
      && T.sanitize(T.removeUnicode(text, {nonBmp: true})) === "";
  };
  const REPLACED = new Set(["IMG", "VIDEO", "CANVAS", "IFRAME", "EMBED", "OBJECT", "INPUT", "SELECT", "TEXTAREA",
                            "BUTTON", "METER", "PROGRESS", "PICTURE"]);
  const ownText = (el) => {
    for (let n = el.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === 3 && /\S/.test(n.data)) return true;
    }
    return false;
  };
  // Something drawn at a point: a background, an image or control, an SVG shape, or text of its own.
  const visual = (e) => {
    if (e instanceof SVGElement || REPLACED.has(e.tagName)) return true;
    const s = cs(e);
    const bg = parseColor(s.backgroundColor);
    return !!(bg && bg[3] > 0) || s.backgroundImage !== "none" || ownText(e);
  };
  // Outside the viewport elementsFromPoint sees nothing, so the same question is put to the boxes themselves,
  // for all such texts at once: every element's border box, read once; at a text's centre, an unrelated
  // element drawn there (per line box for inline elements, not clipped away by an overflow box of its own)
  // is what elementsFromPoint would have listed.
  const drawnAt = (e, x, y) => {
    const rects = e.getClientRects();
    let inside = false;
    for (let i = 0; i < rects.length && !inside; i++) {
      const r = rects[i];
      inside = x >= r.left && x <= r.right && y >= r.top && y <= r.bottom;
    }
    if (!inside || !shown(e, true)) return false;
    for (let a = up(e); a && a !== document.body && a !== root; a = up(a)) {
      const sa = cs(a);
      if (sa.overflowX === "visible" && sa.overflowY === "visible") continue;
      const r = a.getBoundingClientRect();
      if (x < r.left || x > r.right || y < r.top || y > r.bottom) return false;
    }
    return true;
  };
  const markCovered = (found) => {
    const pts = found.filter((f) => f.offscreen).sort((a, b) => a.y - b.y);
    if (!pts.length) return;
    const ys = pts.map((p) => p.y);
    const els = document.querySelectorAll("*");  // a static list
    for (let i = 0; i < els.length; i++) {
      const e = els[i];
      const r = e.getBoundingClientRect();
      if (!(r.width > 0 && r.height > 0) || r.bottom < ys[0] || r.top > ys[ys.length - 1]) continue;
      let lo = 0, hi = ys.length;  // the first point at or below the box's top
      while (lo < hi) { const mid = (lo + hi) >> 1; if (ys[mid] < r.top) lo = mid + 1; else hi = mid; }
      for (let k = lo; k < pts.length && ys[k] <= r.bottom; k++) {
        const p = pts[k];
        if (p.covered || p.x < r.left || p.x > r.right || related(e, p.el)) continue;
        if (visual(e) && drawnAt(e, p.x, p.y)) p.covered = true;
      }
    }
  };
  const pseudoCovers = (a) => {
    for (const which of ["::before", "::after"]) {
      const ps = window.getComputedStyle(a, which);
      if (!ps || ps.content === "none" || ps.content === "normal" || ps.display === "none") continue;
      const bg = parseColor(ps.backgroundColor);
      if (!((bg && bg[3] > 0) || ps.backgroundImage !== "none")) continue;
      const r = a.getBoundingClientRect();
      const w = parseFloat(ps.width), h = parseFloat(ps.height);
      if (!(w > 0 && h > 0)) continue;
      if (!(r.width * r.height > 0) || w * h >= 0.25 * r.width * r.height) return true;
    }
    return false;
  };

  // What each element on the way up contributes, read once per element however many texts sit inside it.
  const infos = new Map();
  const HIDING_CLIP_PATH = /inset\(\s*(50%|[0-9.]{3,}px)|circle\(\s*0(px|%)?\s*(at|\))|polygon\(\s*0px 0px,\s*0px 0px/;
  const layerInfo = (a) => {
    let i = infos.get(a);
    if (i) return i;
    const sa = cs(a);
    const op = parseFloat(sa.opacity);
    let hides = !!(sa.clipPath && sa.clipPath !== "none" && HIDING_CLIP_PATH.test(sa.clipPath));
    if (!hides && (sa.position === "absolute" || sa.position === "fixed") && sa.clip && sa.clip !== "auto") {
      const m = /rect\(([^)]*)\)/.exec(sa.clip);  // the old sr-only "clip: rect(0 0 0 0)" / rect(1px, 1px, 1px, 1px)
      const v = m ? m[1].split(/[\s,]+/).filter(Boolean).map(parseFloat) : [];
      hides = v.length === 4 && v.every(isFinite) && ((v[1] - v[3]) <= 1 || (v[2] - v[0]) <= 1);
    }
    i = {
      bg: parseColor(sa.backgroundColor),
      op: isFinite(op) ? op : 1,
      img: sa.backgroundImage !== "none",
      effects: sa.filter !== "none" || sa.mixBlendMode !== "normal"
        || !!(sa.backdropFilter && sa.backdropFilter !== "none"),
      hides,
      clips: a !== root && a !== document.body && (sa.overflowX !== "visible" || sa.overflowY !== "visible"),
      rect: null,
    };
    infos.set(a, i);
    return i;
  };

  const checkSymbol = (el, nodes, parts) => {
    if (el instanceof SVGElement || el.closest(NO_TEXT)) return;
    if (el.closest(":disabled, [aria-disabled='true']")) return;
    if (!shown(el, true)) return;
    const s = cs(el);
    const fontSize = parseFloat(s.fontSize);
    if (!(fontSize > 0)) return;
    const fill = parseColor(s.webkitTextFillColor || s.color) || parseColor(s.color);
    if (!fill) return;

    // Composite text and background from the element outwards (opacity groups included), over a white canvas.
    const chain = [];
    for (let a = el; a; a = up(a)) chain.push({el: a, info: layerInfo(a)});
    let fg = pre(fill);
    let bgc = [0, 0, 0, 0];
    let stop = chain.length - 1;  // the outermost element whose background can still be seen
    let opacity = 1;
    for (let i = 0; i < chain.length; i++) {
      const c = chain[i].info;
      if (!c.bg) return;
      chain[i].seen = bgc[3] < EPS;  // nothing opaque in front of this element's background yet
      if (chain[i].seen) stop = i;
      if (c.op === 1 && (c.bg[3] === 0 || (fg[3] === 1 && bgc[3] === 1))) continue;  // changes nothing
      fg = over(fg, pre(c.bg));
      bgc = over(bgc, pre(c.bg));
      fg = scale(fg, c.op);
      bgc = scale(bgc, c.op);
      opacity *= c.op;
    }
    if (fill[3] * opacity <= 0) return;  // text drawn fully transparent
    const white = [255, 255, 255, 1];
    fg = over(fg, white);
    bgc = over(bgc, white);
    const ratio = (Math.max(lum(fg), lum(bgc)) + 0.05) / (Math.min(lum(fg), lum(bgc)) + 0.05);
    const weight = parseFloat(s.fontWeight) || (s.fontWeight === "bold" ? 700 : 400);
    const large = fontSize >= 24 || (fontSize >= 18.66 && weight >= 700);
    const need = large ? 3 : 4.5;
    if (ratio >= need) return;
    if (Math.floor(ratio * 100) / 100 === 1) return;  // text in its background's colour: meant unseen, can't tell
    if (!axeSkips(parts)) return;  // axe's color-contrast measures this text itself
    const text = nodes.map((n) => n.data).join("").replace(/\s+/g, " ").trim();
    const shownRatio = (Math.floor(ratio * 100) / 100).toFixed(2);
    const message = `仅由标点或符号构成的文字“${text.slice(0, 20)}”与背景的对比度为 ${shownRatio}:1，低于要求的 ${need}:1`
      + `（前景色：${hex(fg)}，背景色：${hex(bgc)}，字体大小：${Math.round(fontSize * 100) / 100}px，`
      + `字体粗细：${weight}${large ? "，按大号文字" : ""}）`;
    // Where what is seen may differ from the colours composited (a picture or another element under the text,
    // a shadow, a filter), it is left for review, as axe does: the ratio above is then against the background
    // colours alone (as HTML_CodeSniffer measures it), and the inspector looks at the crop.
    let x = 0, y = 0, offscreen = false;
    const review = (why) => ({el, x, y, offscreen, covered: false, review: true,
                              message: `${why}，无法确定实际背景；按背景色计算，${message}`});

    // A failure if what was composited is what is seen. The own text's box (union of its text nodes):
    let L = Infinity, Tp = Infinity, R = -Infinity, B = -Infinity;
    const range = document.createRange();
    for (const n of nodes) {
      if (!/\S/.test(n.data)) continue;
      range.selectNodeContents(n);
      const r = range.getBoundingClientRect();
      if (!(r.width > 0 && r.height > 0)) continue;
      L = Math.min(L, r.left); Tp = Math.min(Tp, r.top); R = Math.max(R, r.right); B = Math.max(B, r.bottom);
    }
    if (!(R > L && B > Tp)) return;  // no box: not rendered
    if (R + window.scrollX <= 0 || B + window.scrollY <= 0) return;  // pushed off the page (text-indent: -9999px)
    // Hidden on the way up: sr-only clipping (clip, clip-path, a 1px overflow box), overflow cutting it away;
    // or drawn through a filter / blend mode, which changes the colours: can't tell.
    let vl = L, vt = Tp, vr = R, vb = B;
    for (const {el: a, info} of chain) {
      if (info.hides) return;
      if (info.effects) return review("文字经过滤镜或混合模式绘制");
      if (info.clips) {
        const r = info.rect || (info.rect = a.getBoundingClientRect());
        vl = Math.max(vl, r.left); vt = Math.max(vt, r.top); vr = Math.min(vr, r.right); vb = Math.min(vb, r.bottom);
        if (vr - vl <= 1 || vb - vt <= 1) return;
      }
    }
    if (s.textShadow && s.textShadow !== "none") return review("文字有阴影");  // changes what is seen
    for (let i = 0; i <= stop; i++) {
      if (!chain[i].seen) continue;
      if (chain[i].info.img) return review("文字下方有背景图像或渐变");
      if (pseudoCovers(chain[i].el)) return review("文字下方有伪元素绘制的色块");
    }
    // What else is at the text's centre.
    x = (L + R) / 2;
    y = (Tp + B) / 2;
    const vw = root.clientWidth || window.innerWidth, vh = root.clientHeight || window.innerHeight;
    offscreen = !(x >= 0 && y >= 0 && x < vw && y < vh);
    if (!offscreen) {
      const stopEl = chain[stop].el;
      for (const e of document.elementsFromPoint(x, y)) {
        if (e === stopEl) break;
        if (e === el || el.contains(e) || e.contains(el)) continue;
        if (visual(e)) return review("文字与其他元素重叠");  // another element over or under the text
      }
    }
    return {el, x, y, offscreen, covered: false, message};
  };

  const OTHER = /[^\s\p{P}\p{S}\p{Cf}]/u;  // a letter, digit, mark...: not symbol-only text
  const runSymbols = () => {
    // One pass over the text nodes: the elements whose own text has something visible and nothing but
    // punctuation and symbols, in document order.
    const body = document.body || root;
    const ruledOut = new Set();
    const candidates = new Set();
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const p = n.parentElement;
      if (!p) continue;
      if (OTHER.test(n.data)) { ruledOut.add(p); continue; }
      if (n.data.replace(INVISIBLE, "") !== "") candidates.add(p);
    }
    const found = [];
    for (const el of candidates) {
      if (found.length >= CAP * 2) break;
      if (ruledOut.has(el)) continue;
      try {
        const nodes = [];
        const parts = [];  // axe's own text: the text nodes, <br> as a space (sanitized by axe)
        for (let c = el.firstChild; c; c = c.nextSibling) {
          if (c.nodeType === 3) { nodes.push(c); parts.push(c.data); }
          else if (c.nodeName === "BR") parts.push(" ");
        }
        if (!SYMBOLS.test(nodes.map((n) => n.data).join("").replace(INVISIBLE, ""))) continue;
        const f = checkSymbol(el, nodes, parts);
        if (f) found.push(f);
      } catch (e) { /* an odd element is left out */ }
    }
    try { markCovered(found.filter((f) => !f.review)); } catch (e) {
      for (const f of found) f.covered = f.covered || f.offscreen;
    }
    for (const f of found) {
      if (f.review) add(REVIEW + "ga-symbol-contrast", f.el, f.message, "moderate");
      else if (f.covered) {
        add(REVIEW + "ga-symbol-contrast", f.el, "文字与其他元素重叠，无法确定实际背景；按背景色计算，" + f.message,
            "moderate");
      } else add("ga-symbol-contrast", f.el, f.message, "moderate");
    }
  };

  // ---------------------------------------------------------------- 2. ga-form-submit
  const runForms = () => {
    const submits = new Set();
    const used = new Map();  // form -> rendered controls the user can operate
    const controls = document.querySelectorAll("input, button, select, textarea");
    for (let i = 0; i < controls.length; i++) {
      const c = controls[i];
      try {
        const f = c.form;  // the form owner: ancestor form or form="id", per HTML
        if (!f) continue;
        const tag = c.tagName;
        const type = (c.type || "").toLowerCase();  // the IDL value: missing/invalid button types read "submit"
        if ((tag === "INPUT" && (type === "submit" || type === "image")) || (tag === "BUTTON" && type === "submit")) {
          submits.add(f);
          continue;
        }
        if (submits.has(f) || (tag === "INPUT" && type === "hidden")) continue;
        if (shown(c, false) && boxed(c)) {
          const list = used.get(f) || [];
          list.push(c);
          used.set(f, list);
        }
      } catch (e) { /* next */ }
    }
    for (const f of document.forms) {
      if (full("ga-form-submit")) break;
      try {
        if (submits.has(f) || !used.has(f)) continue;
        const kinds = used.get(f).slice(0, 5).map((c) => (c.tagName === "INPUT" || c.tagName === "BUTTON")
          ? `${c.tagName.toLowerCase()}[type=${(c.type || "").toLowerCase()}]` : c.tagName.toLowerCase());
        add("ga-form-submit", f,
            "表单没有提交按钮（input type=\"submit\"、input type=\"image\"，或 type 为 submit、省略或无效的 button），"
            + `用键盘（回车键）或按钮无法提交；表单的控件：${kinds.join("、")}`
            + (used.get(f).length > 5 ? ` 等 ${used.get(f).length} 个` : ""), "moderate");
      } catch (e) { /* next */ }
    }
  };

  // ---------------------------------------------------------------- 3. ga-image-link-alt
  const IMAGES = "img, input[type=image], svg, [role=img]";
  const nonEmpty = (v) => typeof v === "string" && v.trim() !== "";
  const labelledText = (el) => {
    const ids = (el.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
    return ids.some((id) => { const t = document.getElementById(id); return t && nonEmpty(t.textContent); });
  };
  const ariaNamed = (el) => nonEmpty(el.getAttribute("aria-label")) || labelledText(el)
    || nonEmpty(el.getAttribute("title"));
  const imageNamed = (img) => {
    if (ariaNamed(img)) return true;
    const tag = img.localName;
    if (tag === "img" || tag === "input") return nonEmpty(img.getAttribute("alt"));
    if (tag === "svg") {
      const t = Array.prototype.find.call(img.children, (c) => c.localName === "title");
      return !!(t && nonEmpty(t.textContent));
    }
    return false;
  };
  const GENERATED_TEXT = /[\p{L}\p{N}]/u;
  const pseudoText = (el) => {
    for (const which of ["::before", "::after"]) {
      const c = window.getComputedStyle(el, which).content;
      if (!c || c === "none" || c === "normal") continue;
      // A quoted string with letters or digits outside the private use area (icon fonts draw there).
      const strings = c.match(/"(?:[^"\\]|\\.)*"/g) || [];
      if (strings.some((q) => GENERATED_TEXT.test(q.replace(/[\uE000-\uF8FF]/g, "")))) return true;
    }
    return false;
  };
  const linkNamed = (a, images) => {
    if (ariaNamed(a)) return true;
    // Text of its own (not inside an image, not hidden from everyone).
    const walker = document.createTreeWalker(a, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!/\S/.test(n.data)) continue;
      const p = n.parentElement;
      if (!p || p.closest(NO_TEXT)) continue;
      if (p !== a && p.closest(IMAGES) && a.contains(p.closest(IMAGES))) continue;
      const hidden = p.closest("[aria-hidden='true']");
      if (hidden && a.contains(hidden)) continue;
      if (!shown(p, false)) continue;
      return true;
    }
    for (const img of images) {
      const hidden = img.closest("[aria-hidden='true']");
      if (hidden && a.contains(hidden)) continue;
      if (imageNamed(img)) return true;
    }
    if (pseudoText(a)) return true;
    const inner = a.getElementsByTagName("*");
    for (let i = 0; i < inner.length && i < 50; i++) if (pseudoText(inner[i])) return true;
    return false;
  };
  const runLinks = () => {
    const links = document.querySelectorAll("a[href], [role=link]");
    for (let i = 0; i < links.length; i++) {
      if (full("ga-image-link-alt")) break;
      const a = links[i];
      try {
        const role = (a.getAttribute("role") || "").trim().toLowerCase().split(/\s+/)[0];
        if (role && role !== "link") continue;  // a link turned into another widget is not a link
        if (a.closest("[aria-hidden='true']")) continue;
        const all = a.querySelectorAll(IMAGES);
        if (!all.length) continue;
        // The outermost image elements (an <svg> inside [role=img] is one image).
        const images = Array.prototype.filter.call(all, (img) => {
          const outer = img.parentElement && img.parentElement.closest(IMAGES);
          return !(outer && a.contains(outer));
        });
        if (!images.some((img) => shown(img, true) && boxed(img))) continue;  // no image the user sees
        if (linkNamed(a, images)) continue;
        const first = images[0];
        const what = first.localName === "img"
          ? (first.hasAttribute("alt") ? "alt 为空" : "alt 属性缺失")
          : (first.localName === "svg" ? "svg 没有 title 或 aria-label" : "替代文本缺失");
        const src = first.getAttribute("src") || "";
        const file = src ? `（${src.split(/[?#]/)[0].split("/").pop().slice(0, 60)}）` : "";
        add("ga-image-link-alt", a,
            `链接只包含图像，图像的 ${what}${file}，链接本身也没有 aria-label、aria-labelledby 或 title：`
            + "链接没有可读出的名称，屏幕阅读器用户无法知道它通向哪里", "serious");
      } catch (e) { /* next */ }
    }
  };

  // ---------------------------------------------------------------- run and report in axe's shape
  const META = {
    "ga-symbol-contrast": {
      impact: "moderate", tags: ["wcag2aa", "wcag143"],
      help: "仅由标点或符号构成的文字与背景的对比度不足",
      description: "确保仅由标点或符号构成的文字（如“|”“›”“·”“/”）与背景的对比度满足 WCAG 2 AA 的最低要求"
        + "（axe-core 的颜色对比度规则不检查这类文字）",
    },
    "ga-form-submit": {
      impact: "moderate", tags: ["wcag2a", "wcag322"],
      help: "表单必须有提交按钮",
      description: "确保每个表单都有提交按钮，用户可以明确地提交表单，而不是在输入时自动改变情境",
    },
    "ga-image-link-alt": {
      impact: "serious", tags: ["wcag2a", "wcag111"],
      help: "只包含图像的链接必须有替代文本",
      description: "确保只由图像构成的链接有描述其目的的替代文本（图像的 alt，或链接的 aria-label、title）",
    },
  };
  const out = [];
  const emit = (id, key, incomplete) => {
    const found = results[key];
    if (!found || !found.length) return;
    const m = META[id];
    const head = incomplete ? "需人工复核：" : id === "ga-image-link-alt" ? "修复以下所有问题：" : "修复以下任一问题：";
    out.push(Object.assign({
      id, impact: m.impact, tags: m.tags.slice(), help: m.help, description: m.description, helpUrl: "",
      nodes: found.map((f) => ({
        target: [selectorOf(f.el)], html: htmlOf(f.el), impact: f.impact,
        failureSummary: `${head}\n  ${f.message}`, any: [], all: [], none: [],
      })),
    }, incomplete ? {incomplete: true} : {}));
  };
  try {
    if (want.has("ga-symbol-contrast")) { try { runSymbols(); } catch (e) { /* rule left out */ } }
    if (want.has("ga-form-submit")) { try { runForms(); } catch (e) { /* rule left out */ } }
    if (want.has("ga-image-link-alt")) { try { runLinks(); } catch (e) { /* rule left out */ } }
    // Violations first, in rule order; then what is left for review, marked ``incomplete`` (axe's word).
    for (const id of ALL) emit(id, id, false);
    for (const id of ALL) emit(id, REVIEW + id, true);
  } catch (e) { /* whatever was gathered */ }
  return out;
}
