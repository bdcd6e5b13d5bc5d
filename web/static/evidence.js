// Scroll each full-page screenshot so its first red box is in view (the picture can be 16,000 px tall and
// the box near the bottom, e.g. a footer item). No page-derived data is read or written here.
(function () {
  "use strict";
  function show(wrap) {
    var svg = wrap.querySelector("svg.shot");
    var rect = wrap.querySelector("rect.evbox");
    if (!svg || !rect) { return; }
    var vb = svg.viewBox.baseVal;
    var scale = svg.getBoundingClientRect().width / (vb.width || 1);
    var y = rect.y.baseVal.value * scale;
    wrap.scrollTop = Math.max(0, y - wrap.clientHeight / 3);
  }
  function all() { Array.prototype.forEach.call(document.querySelectorAll(".shot-wrap"), show); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", all); } else { all(); }
})();
