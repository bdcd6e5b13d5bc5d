// 分组审核 keyboard: j/k move between the rows of the open group, n/p open the next/previous group, x selects a row,
// f marks 误报 and c 确认 (the selected rows, or the current row when none is selected). A 误报 needs a reason:
// f moves to the reason box first when it is empty, and Enter there submits. The form posts as the buttons do;
// no data is built here.
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (!form) { return; }
  var rows = Array.prototype.slice.call(document.querySelectorAll("#group-rows tbody tr"));
  var reason = document.getElementById("reason");
  var hint = document.getElementById("key-hint");
  var pending = null;
  var cur = 0;
  rows.some(function (tr, i) { if (tr.dataset.review === "unreviewed") { cur = i; return true; } return false; });

  function box(tr) { return tr.querySelector("input[type=checkbox]"); }
  function show(i, scroll) {
    if (!rows.length) { return; }
    cur = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (tr, j) { tr.classList.toggle("cur", j === cur); tr.setAttribute("aria-current", j === cur ? "true" : "false"); });
    if (scroll) { rows[cur].scrollIntoView({block: "nearest"}); }
  }
  function group(dir) {  // open the next / previous group of the list
    var open = document.querySelector("#groups li.open");
    var to = open && open[dir];
    if (to) { to.querySelector("a").click(); }
  }
  function say(text) { hint.textContent = text; hint.hidden = !text; }
  function selected() { return rows.filter(function (tr) { return box(tr).checked; }); }
  function act(verdict) {
    if (!rows.length) { return; }
    if (!selected().length) { box(rows[cur]).checked = true; }
    if (verdict === "false_positive" && !reason.value.trim()) {
      pending = verdict;
      say("标记误报需要填写理由：请在上方填写，然后按 Enter 提交（Esc 取消）");
      reason.focus();
      return;
    }
    document.getElementById(verdict === "false_positive" ? "rows-fp" : "rows-ok").click();
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    var t = e.target;
    if (t === reason) {
      if (e.key === "Enter" && !e.shiftKey && pending) { e.preventDefault(); var v = pending; pending = null; act(v); }
      else if (e.key === "Escape") { pending = null; say(""); reason.blur(); }
      return;
    }
    if (t && (t.tagName === "TEXTAREA" || t.tagName === "SELECT" || (t.tagName === "INPUT" && t.type !== "checkbox"))) { return; }
    if (e.key === "j") { show(cur + 1, true); }
    else if (e.key === "k") { show(cur - 1, true); }
    else if (e.key === "x") { if (rows.length) { var b = box(rows[cur]); b.checked = !b.checked; } }
    else if (e.key === "f") { act("false_positive"); }
    else if (e.key === "c") { act("confirmed"); }
    else if (e.key === "n" || e.key === "p") { group(e.key === "n" ? "nextElementSibling" : "previousElementSibling"); }
    else { return; }
    e.preventDefault();
  });
  rows.forEach(function (tr, i) { tr.addEventListener("click", function () { show(i, false); }); });
  var all = document.getElementById("select-all");
  if (all) { all.addEventListener("change", function () { rows.forEach(function (tr) { box(tr).checked = all.checked; }); }); }
  show(cur, false);
})();
