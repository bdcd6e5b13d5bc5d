/* Offline stand-in for zfwzgl.www.gov.cn/exposure/jiucuo.js (我为政府网站找错).
 * Like the real one it reads the sitecode attribute of script#_jiucuo_ and inserts the clickable
 * 找错 image into #_span_jiucuo, or right after the script tag. */
(function () {
  var s = document.getElementById("_jiucuo_") || document.currentScript;
  if (!s) return;
  var code = s.getAttribute("sitecode") || "";
  var host = (s.src || "").replace(/^(https?:\/\/[^\/]+).*$/, "$1") || "https://zfwzgl.www.gov.cn";
  var href = host + "/exposure/jiucuo.html?site_code=" + encodeURIComponent(code) +
    "&url=" + encodeURIComponent(location.href);
  var html = "<a href='" + href + "' target='_blank'><img src='" + host +
    "/exposure/images/jiucuo.png?v=" + encodeURIComponent(code) + "' alt='政府网站找错' style='border:0'></a>";
  var holder = document.getElementById("_span_jiucuo");
  if (holder) { holder.innerHTML = html; return; }
  var sp = document.createElement("span"); sp.id = "_span_jiucuo"; sp.innerHTML = html;
  if (document.readyState === "loading") { document.write(sp.outerHTML); }
  else if (s.parentNode) { s.parentNode.insertBefore(sp, s.nextSibling); }
})();
