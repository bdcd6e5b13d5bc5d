// Live progress of a run: polls the JSON API with the session cookie (a GET: no CSRF token needed) and
// updates the numbers; reloads once when the run has finished so its findings and pages appear.
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box || box.getAttribute("data-active") !== "1") { return; }
  var url = box.getAttribute("data-url");
  var labels = { queued: "排队中", running: "检查中", done: "已完成", failed: "失败", cancelled: "已取消", error: "出错" };
  function set(id, v) { var el = document.getElementById(id); if (el) { el.textContent = String(v); } }
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (!p) { return setTimeout(tick, 5000); }
        set("run-status", labels[p.status] || p.status);
        set("pages-done", p.pages_done);
        set("pages-total", p.pages_total);
        set("pages-failed", p.pages_failed);
        set("run-findings", p.findings);
        var list = document.getElementById("run-errors");
        if (list && p.errors) {
          // textContent only: error messages can quote what a stranger's page said.
          while (list.firstChild) { list.removeChild(list.firstChild); }
          p.errors.forEach(function (e) {
            var li = document.createElement("li");
            li.textContent = e.url + "：" + (e.error || e.kind);
            list.appendChild(li);
          });
        }
        var bar = document.getElementById("run-progress");
        if (bar) { bar.max = Math.max(p.pages_total, 1); bar.value = p.pages_done; }
        if (p.status === "queued" || p.status === "running") { setTimeout(tick, 1500); }
        else { window.location.reload(); }
      })
      .catch(function () { setTimeout(tick, 5000); });
  }
  setTimeout(tick, 1000);
})();
