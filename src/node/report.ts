// Reports on disk (Node): Chart.js's UMD build read from node_modules, and the page written atomically.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { MakemoreError } from "../errors.ts";
import { renderHtml } from "../report/html.ts";
import type { ReportPage } from "../report/spec.ts";
import { writeFileAtomicSync } from "./atomic-write.ts";

let chartJsSource: string | null = null;

/** Chart.js's minified UMD build (dist/chart.umd.min.js of the chart.js package), read once. */
export function chartJsBundle(): string {
  if (chartJsSource === null) {
    const require = createRequire(import.meta.url);
    const main = require.resolve("chart.js"); // …/chart.js/dist/chart.cjs
    chartJsSource = readFileSync(join(dirname(main), "chart.umd.min.js"), "utf8");
  }
  return chartJsSource;
}

/** The page as one self-contained HTML document (Chart.js inlined). */
export function reportHtml(page: ReportPage): string {
  return renderHtml(page, { chartJs: chartJsBundle() });
}

/** Writes the page's HTML to `path` (atomically); returns the number of bytes written. */
export function writeHtmlReport(path: string, page: ReportPage): number {
  const html = reportHtml(page);
  try {
    writeFileAtomicSync(path, html);
  } catch (e) {
    throw new MakemoreError(`${path}: cannot write the report: ${(e as Error).message}`);
  }
  return Buffer.byteLength(html);
}
