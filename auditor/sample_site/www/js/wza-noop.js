/* A 无障碍 toolbar that loads and does nothing when opened (a broken integration on the site itself). */
window.wzaNoop = { open: function () { return false; } };
