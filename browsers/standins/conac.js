/* Offline stand-in for the 党政机关网站标识 service script (dcs.conac.cn/js/...).
 * The real service writes a badge link to bszs.conac.cn into #_ideConac (or in place).
 * The id is derived from the script path so each site gets a stable 32-hex id. */
(function () {
  var s = document.currentScript;
  var src = (s && s.src) || "";
  var h = 0x811c9dc5, parts = [];
  for (var k = 0; k < 4; k++) {
    for (var i = 0; i < src.length; i++) { h ^= src.charCodeAt(i) + k; h = (h * 16777619) >>> 0; }
    parts.push(("00000000" + h.toString(16).toUpperCase()).slice(-8));
  }
  var id = parts.join("");
  var img = /error/i.test(src) ? "red_error.png" : "red.png";
  var html = "<a href='//bszs.conac.cn/sitename?method=show&id=" + id + "' target='_blank'>" +
    "<img id='imgConac' vspace='0' hspace='0' border='0' src='//dcs.conac.cn/image/" + img + "' data-bd-imgshare-binded='1'></a>";
  var holder = document.getElementById("_ideConac");
  if (holder) { holder.innerHTML = html; }
  else if (document.readyState === "loading") { document.write("<span id='_ideConac'>" + html + "</span>"); }
  else if (s && s.parentNode) { var sp = document.createElement("span"); sp.id = "_ideConac"; sp.innerHTML = html; s.parentNode.insertBefore(sp, s.nextSibling); }
})();
