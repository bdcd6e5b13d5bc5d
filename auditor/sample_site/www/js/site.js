/* 示范市人民政府 site script: the 长者模式 (elderly mode) switch and an aria.js-style 无障碍 toolbar.
   Both remember their state in a cookie, as real sites do (e.g. mode=2). */
(function () {
  function setCookie(k, v) { document.cookie = k + "=" + v + "; path=/"; }
  function getCookie(k) { var m = document.cookie.match(new RegExp("(?:^|; )" + k + "=([^;]*)")); return m ? m[1] : ""; }
  function elder(on) {
    document.documentElement.classList.toggle("elder-mode", on);
    setCookie("mode", on ? "2" : "1");
    var a = document.querySelector(".tb-zzms");
    if (a) a.textContent = on ? "退出长者模式" : "长者模式";
  }
  var aria = {
    bar: null,
    size: 1,
    start: function () {
      if (aria.bar) return;
      var bar = document.createElement("div");
      bar.id = "aria-toolbar";
      bar.setAttribute("role", "toolbar");
      bar.setAttribute("aria-label", "无障碍工具条");
      var items = [["放大", function () { aria.zoom(0.1); }], ["缩小", function () { aria.zoom(-0.1); }],
                   ["高对比度", function () { document.documentElement.classList.toggle("high-contrast"); }],
                   ["读屏", function () {}], ["重置", function () { aria.size = 1; aria.zoom(0); document.documentElement.classList.remove("high-contrast"); }],
                   ["关闭", function () { aria.stop(); }]];
      items.forEach(function (it) {
        var b = document.createElement("button");
        b.type = "button"; b.textContent = it[0]; b.onclick = it[1];
        bar.appendChild(b);
      });
      document.body.insertBefore(bar, document.body.firstChild);
      document.documentElement.classList.add("aria-on");
      aria.bar = bar;
      setCookie("aria", "1");
    },
    stop: function () { if (aria.bar) { aria.bar.remove(); aria.bar = null; } document.documentElement.classList.remove("aria-on"); setCookie("aria", "0"); },
    zoom: function (d) { aria.size = Math.max(1, Math.min(2, aria.size + d)); document.body.style.zoom = aria.size; }
  };
  window.aria = aria;
  document.addEventListener("click", function (e) {
    var t = e.target.closest ? e.target.closest(".tb-zzms, .img-zzms, .tb-wza, .ft-wza, .tb-zzms-classonly") : null;
    if (!t) return;
    if (t.matches(".tb-zzms, .img-zzms")) { e.preventDefault(); elder(!document.documentElement.classList.contains("elder-mode")); }
    else if (t.matches(".tb-wza, .ft-wza")) { e.preventDefault(); aria.start(); }
    else if (t.matches(".tb-zzms-classonly")) { e.preventDefault(); document.documentElement.classList.toggle("senior"); }
  });
  // 站内搜索: the navigation's search box (a form without an action, as on many real sites) goes to /search/do.
  function search(form) {
    var input = form.querySelector("input[type=text], input[type=search]");
    if (input && input.value.trim()) location.href = "/search/do?q=" + encodeURIComponent(input.value.trim());
  }
  document.addEventListener("submit", function (e) {
    if (e.target.matches && e.target.matches("form.search[action^='javascript']")) { e.preventDefault(); search(e.target); }
  });
  document.addEventListener("click", function (e) {
    var b = e.target.closest ? e.target.closest("form.search button[type=button]") : null;
    if (b) search(b.form);
  });
  if (getCookie("mode") === "2") elder(true);
  if (getCookie("aria") === "1") aria.start();
})();
