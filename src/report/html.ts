// One self-contained HTML file for a report page: the titles, explanations and tables as HTML, the
// chart specs as JSON, Chart.js (its minified UMD build, which the caller supplies: src/node/report.ts
// reads it from node_modules) and the renderer (browser.ts) inlined — it opens offline, with no
// network request.

import { BROWSER_BOOT, BROWSER_RENDERER } from "./browser.ts";
import { chartsOf, type Item, type ReportPage } from "./spec.ts";

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** Text safe inside a <script> element (no closing tag). */
function scriptText(js: string): string {
  return js.replace(/<\/script/gi, "<\\/script");
}

function itemHtml(item: Item): string {
  const head = `<h3>${escapeHtml(item.title)}</h3>` + (item.explain ? `<p class="explain">${escapeHtml(item.explain)}</p>` : "");
  if (item.kind === "table") {
    const th = item.head.some((h) => h !== "") ? `<thead><tr>${item.head.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead>` : "";
    const rows = item.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(String(c))}</td>`).join("")}</tr>`).join("");
    return `<div class="item table" id="${escapeHtml(item.id)}">${head}<table>${th}<tbody>${rows}</tbody></table></div>`;
  }
  const caption = item.caption ? `<p class="caption">${escapeHtml(item.caption)}</p>` : "";
  return `<div class="item chart">${head}<div class="chart-slot" id="chart-${escapeHtml(item.id)}" data-kind="${item.kind}"></div>${caption}</div>`;
}

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1100px; padding: 1.5em; color: #222; }
h1 { margin-bottom: 0.2em; } .subtitle { color: #555; margin-top: 0; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
h3 { margin-bottom: 0.2em; } .explain { color: #444; margin-top: 0; } .caption { color: #666; font-size: 0.9em; }
.item { margin: 1.5em 0; } .chart-box { position: relative; width: 100%; }
table { border-collapse: collapse; font-size: 0.9em; } td, th { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; }
th { background: #f4f4f4; } .image-grid { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; } figcaption { font-size: 0.85em; color: #555; } canvas { max-width: 100%; }
.panel-grid { display: grid; gap: 1em; } .panel-grid figcaption { font-weight: 600; color: #333; }
`;

/** The page as one HTML document, with `chartJs` (Chart.js's UMD build) inlined. */
export function renderHtml(page: ReportPage, { chartJs, generator = "makemore-ts" }: { chartJs: string; generator?: string }): string {
  const ids = new Set<string>();
  for (const s of page.sections) {
    for (const i of s.items) {
      if (ids.has(i.id)) throw new Error(`report: two items have the id "${i.id}"`);
      ids.add(i.id);
    }
  }
  const body = page.sections.map((s) => `<section><h2>${escapeHtml(s.title)}</h2>${s.items.map(itemHtml).join("\n")}</section>`).join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${escapeHtml(generator)}">
<title>${escapeHtml(page.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(page.title)}</h1>
${page.subtitle ? `<p class="subtitle">${escapeHtml(page.subtitle)}</p>` : ""}
${body}
<script type="application/json" id="makemore-report-data">${scriptJson({ charts: chartsOf(page) })}</script>
<script>${scriptText(chartJs)}</script>
<script>${scriptText(BROWSER_RENDERER)}</script>
<script>${scriptText(BROWSER_BOOT)}</script>
</body>
</html>
`;
}

