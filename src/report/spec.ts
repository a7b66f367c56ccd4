// What a report is made of, as plain JSON: sections of charts and tables. A chart is either a Chart.js
// configuration (https://www.chartjs.org/docs/latest/configuration/) or an image drawn from its data
// (a boolean image such as the saturation map, a signed heatmap such as dlogits), or a grid of small
// Chart.js charts, each on its own scales (one histogram per init stage). The same specs feed
// the offline HTML report (html.ts) and can feed the browser lab: `renderChart` in browser.ts draws one.

/**
 * A Chart.js configuration that survives JSON (no functions). `pointLabels` on a dataset writes a text
 * label at each point (the embedding's characters); with `labelLayout` (label_layout.ts), at the place
 * the layout found beside it. Every logarithmic axis gets readable ticks from the renderer (browser.ts):
 * 1, 2, 5 of each decade, or decades only, as many as fit without overlapping.
 */
export interface ChartJsConfig {
  type: "line" | "bar" | "scatter";
  data: {
    labels?: (string | number)[];
    datasets: Record<string, unknown>[];
  };
  options?: Record<string, unknown>;
}

export interface BitImageData {
  rows: number;
  cols: number;
  /** One "0"/"1" string per row; 1 is drawn white (makemore part 3's imshow of |h| > 0.99). */
  bits: string[];
}

export interface HeatmapData {
  rows: number;
  cols: number;
  values: number[];
}

interface ChartBase {
  /** Unique within a report (also the element id). */
  id: string;
  title: string;
  /** One sentence: what the chart shows and what to look for. */
  explain: string;
  /** Figures that go with the chart (formatted numbers). */
  caption?: string;
}

export type ChartSpec =
  | (ChartBase & { kind: "chartjs"; config: ChartJsConfig; height?: number; /** Widest it is drawn (px; default: the page's width). */ width?: number })
  | (ChartBase & { kind: "bits"; images: { label: string; image: BitImageData }[] })
  | (ChartBase & { kind: "heatmap"; image: HeatmapData; xLabels?: string[] })
  | (ChartBase & { kind: "panels"; panels: Panel[]; layout?: PanelLayout });

/** One small chart of a "panels" grid, titled by `label`. */
export interface Panel {
  label: string;
  config: ChartJsConfig;
}

/** How a grid of panels is laid out: at most `columns` per row (fewer on a narrow page), each `height` px tall. */
export interface PanelLayout {
  columns?: number;
  height?: number;
}

export interface TableSpec {
  kind: "table";
  id: string;
  title: string;
  explain?: string;
  head: string[];
  rows: (string | number)[][];
}

export type Item = ChartSpec | TableSpec;

export interface Section {
  title: string;
  items: Item[];
}

export interface ReportPage {
  title: string;
  subtitle?: string;
  sections: Section[];
}

/** The charts of a page (tables left out). */
export function chartsOf(page: ReportPage): ChartSpec[] {
  return page.sections.flatMap((s) => s.items.filter((i): i is ChartSpec => i.kind !== "table"));
}
