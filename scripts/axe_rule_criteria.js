// The axe-core part of auditor/conformance/mapping.json: every rule the audit runs, with the WCAG success
// criteria its tags name. Run after upgrading the vendored axe (scripts/vendor_axe.sh) and merge the output into
// the "checks" rows whose source is "axe-core" (and "axe_version"):
//   node scripts/axe_rule_criteria.js > /tmp/axe-rules.json
const axe = require("../browsers/vendor/axe-core/axe.min.js");
const tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];
const rules = axe.getRules(tags).map((r) => ({
  check: "a11y." + r.ruleId,
  source: "axe-core",
  criteria: r.tags.map((t) => t.match(/^wcag(\d)(\d)(\d+)$/)).filter(Boolean).map((m) => `${m[1]}.${m[2]}.${m[3]}`),
  warn: "failed",
  verified: true,
}));
process.stdout.write(JSON.stringify({ axe_version: axe.version, checks: rules }, null, 1) + "\n");
