// The code that draws chart specs in a browser, as a script text (plain ES2017, no imports) that the
// HTML report inlines after Chart.js and that the browser lab can inject the same way. It defines
// `window.makemoreCharts.render(container, spec)`: a Chart.js chart for "chartjs" specs (with a plugin
// that writes `pointLabels` at their points, or where their `labelLayout` placed them), a grid of small
// Chart.js charts for "panels", a grid of cells on a canvas for "bits" and "heatmap". Every
// logarithmic axis gets its ticks here (a spec is JSON and holds no callback): 1, 2 and 5 of each decade,
// or decades only, or every 2nd, 5th, 10th decade — the densest set whose labels do not overlap at the
// axis's length — labelled as plain decimals (0.001, 0.5, 20) or, beyond 1e-4 … 1e5, as powers of ten
// (10⁻⁹, 5·10⁻⁹). `logTicks` and `logLabels` are exported on `window.makemoreCharts` for tests.

export const BROWSER_RENDERER = String.raw`
(function () {
  "use strict";
  var SUPERSCRIPT = { "-": "\u207b", "0": "\u2070", "1": "\u00b9", "2": "\u00b2", "3": "\u00b3", "4": "\u2074", "5": "\u2075", "6": "\u2076", "7": "\u2077", "8": "\u2078", "9": "\u2079" };

  function decade(v) {
    return Math.floor(Math.log10(v) + 1e-9);
  }

  // Tick values of a log axis over [min, max], or null when no set has two values in range. Tries the
  // sets from densest to sparsest and keeps the first whose closest labels are at least labelPx apart,
  // where a label of the text label(values) takes labelPx(values) pixels along the axis.
  function logTicks(min, max, lengthPx, labelPx) {
    if (!(min > 0 && max > min)) return null;
    var k0 = decade(min);
    var k1 = decade(max);
    var pxPerDecade = lengthPx / (Math.log10(max) - Math.log10(min));
    var sets = [[1, 2, 5, 1], [1, 1], [1, 2], [1, 5], [1, 10]]; // mantissas…, then the step in decades
    var fallback = null;
    var inRange = function (set) {
      var step = set[set.length - 1];
      var values = [];
      for (var k = k0; k <= k1; k++) {
        if (((k % step) + step) % step !== 0) continue;
        for (var m = 0; m < set.length - 1; m++) {
          var v = parseFloat((set[m] * Math.pow(10, k)).toPrecision(12));
          if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) values.push(v);
        }
      }
      return values;
    };
    // under about a decade, where 1, 2, 5 leave fewer than three ticks: every 1 … 9 first
    if (inRange(sets[0]).length < 3) sets.unshift([1, 2, 3, 4, 5, 6, 7, 8, 9, 1]);
    for (var s = 0; s < sets.length; s++) {
      var values = inRange(sets[s]);
      if (values.length < 2) continue;
      var gap = Infinity;
      for (var i = 1; i < values.length; i++) gap = Math.min(gap, Math.log10(values[i] / values[i - 1]) * pxPerDecade);
      fallback = values;
      if (gap >= labelPx(values)) return values;
    }
    return fallback;
  }

  // The nearest of 1, 2, 5 × 10^k below (direction −1) or above (+1) v.
  function niceLog(v, direction) {
    var k = decade(v);
    var steps = [1, 2, 5, 10];
    var m = v / Math.pow(10, k);
    var pick = direction < 0 ? 1 : 10;
    for (var i = 0; i < steps.length; i++) {
      if (direction < 0 && steps[i] <= m * (1 + 1e-9)) pick = steps[i];
      if (direction > 0 && steps[i] >= m * (1 - 1e-9)) { pick = steps[i]; break; }
    }
    return parseFloat((pick * Math.pow(10, k)).toPrecision(12));
  }

  function superscript(k) {
    return String(k).split("").map(function (c) { return SUPERSCRIPT[c]; }).join("");
  }

  // The labels of a log axis's tick values: decimals when all lie in [1e-4, 1e5], else powers of ten.
  function logLabels(values) {
    var plain = values.every(function (v) { return v >= 1e-4 * (1 - 1e-9) && v <= 1e5 * (1 + 1e-9); });
    return values.map(function (v) {
      if (!(v > 0)) return String(v);
      if (plain) return String(parseFloat(v.toPrecision(3)));
      var k = decade(v);
      var m = parseFloat((v / Math.pow(10, k)).toPrecision(3));
      return (m === 1 ? "" : m + "\u00b7") + "10" + superscript(k);
    });
  }

  // Chart.js callbacks that give a logarithmic scale those ticks (its own list is replaced, not skipped).
  function readableLogScale(scale) {
    scale.ticks = scale.ticks || {};
    scale.ticks.autoSkip = false;
    delete scale.ticks.format;
    // the axis ends on 1, 2 or 5 of a decade (a bar's base included), unless the spec fixed them
    if (scale.min === undefined && scale.max === undefined) {
      scale.afterDataLimits = function (axis) {
        if (!(axis.min > 0 && axis.max > axis.min)) return;
        axis.min = niceLog(axis.min, -1);
        axis.max = niceLog(axis.max, 1);
      };
    }
    scale.afterBuildTicks = function (axis) {
      var horizontal = axis.isHorizontal();
      var length = (horizontal ? axis.width : axis.height) - 24; // before fit: a little more than the final length
      var font = (axis.options.ticks.font && axis.options.ticks.font.size) || 12;
      var size = function (values) {
        if (!horizontal) return font * 1.6;
        return logLabels(values).reduce(function (w, l) { return Math.max(w, l.length); }, 0) * font * 0.62 + 10;
      };
      var values = logTicks(axis.min, axis.max, length, size);
      if (values) axis.ticks = values.map(function (v) { return { value: v, major: false }; });
    };
    scale.ticks.callback = function (value, index, ticks) {
      return logLabels(ticks.map(function (t) { return t.value; }))[index];
    };
  }

  // Labels beside their points (labelLayout: their places in data units, found for a plot area of
  // frame.width × frame.height px at font px; a smaller area draws them with a smaller font, so the
  // layout's gaps shrink no faster than its labels), a thin line to a label set further off. The drawn
  // boxes are kept on the chart (chart.$makemoreLabels) for tests.
  var pointLabels = {
    id: "makemorePointLabels",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      var area = chart.chartArea;
      chart.$makemoreLabels = [];
      chart.data.datasets.forEach(function (ds, i) {
        if (!ds.pointLabels) return;
        var lay = ds.labelLayout;
        var font = lay ? lay.font * Math.min(1, (area.right - area.left) / lay.frame.width, (area.bottom - area.top) / lay.frame.height) : 13;
        chart.getDatasetMeta(i).data.forEach(function (el, j) {
          var text = String(ds.pointLabels[j]);
          var x = el.x;
          var y = el.y;
          if (lay) {
            x = chart.scales.x.getPixelForValue(lay.at[j].x);
            y = chart.scales.y.getPixelForValue(lay.at[j].y);
          }
          ctx.save();
          ctx.font = "bold " + font + "px sans-serif";
          var w = ctx.measureText(text).width;
          if (lay && Math.hypot(x - el.x, y - el.y) > lay.near * font / lay.font) {
            ctx.strokeStyle = "rgba(0,0,0,0.35)";
            ctx.lineWidth = 0.75;
            ctx.beginPath();
            ctx.moveTo(el.x, el.y);
            ctx.lineTo(x, y);
            ctx.stroke();
            ctx.fillStyle = "rgba(255,255,255,0.85)";
            ctx.fillRect(x - w / 2, y - font / 2, w, font);
          }
          ctx.fillStyle = "#111";
          ctx.textAlign = "center";
          ctx.textBaseline = "middle";
          ctx.fillText(text, x, y);
          ctx.restore();
          chart.$makemoreLabels.push({ text: text, x: x, y: y, w: w, h: font, px: el.x, py: el.y });
        });
      });
    },
  };
  if (window.Chart) window.Chart.register(pointLabels);

  function chartJs(container, config, height, width) {
    var box = document.createElement("div");
    box.className = "chart-box";
    box.style.height = height + "px";
    if (width) box.style.maxWidth = width + "px";
    var canvas = document.createElement("canvas");
    box.appendChild(canvas);
    container.appendChild(box);
    return new window.Chart(canvas, prepare(config));
  }

  // A spec's Chart.js config as the charts take it: a copy (Chart.js writes into its config), no
  // animation, the box's size, readable log axes.
  function prepare(config) {
    var cfg = JSON.parse(JSON.stringify(config));
    cfg.options = cfg.options || {};
    cfg.options.animation = false;
    cfg.options.responsive = true;
    cfg.options.maintainAspectRatio = false;
    cfg.options.normalized = true;
    var scales = cfg.options.scales || {};
    Object.keys(scales).forEach(function (id) {
      if (scales[id].type === "logarithmic") readableLogScale(scales[id]);
    });
    return cfg;
  }

  // Redraws a "chartjs" spec in place, into the chart render() made in \`container\` before: a live page
  // redraws several times a second, and rebuilding the canvas and Chart.js's state each time cost more
  // than the drawing. False when there is no such chart (another kind or chart type): render it anew.
  function update(container, spec) {
    if (spec.kind !== "chartjs") return false;
    var box = container.querySelector(".chart-box");
    var chart = box && window.Chart.getChart(box.querySelector("canvas"));
    if (!chart || chart.config.type !== spec.config.type) return false;
    var cfg = prepare(spec.config);
    box.style.height = (spec.height || 340) + "px";
    chart.data = cfg.data;
    chart.options = cfg.options;
    chart.update("none");
    return true;
  }

  // A grid of gray cells (gray(i, j): 0 black … 255 white), each s px square, drawn as one image at one
  // pixel per cell and scaled up without smoothing (a cell per fillRect took 200 ms for a 32×200 map).
  function cellCanvas(rows, cols, gray, xLabels, maxCell) {
    var s = Math.max(2, Math.min(maxCell, Math.floor(800 / cols)));
    var top = xLabels ? 16 : 0;
    var c = document.createElement("canvas");
    c.width = cols * s;
    c.height = rows * s + top;
    var ctx = c.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, c.width, c.height);
    var small = document.createElement("canvas");
    small.width = cols;
    small.height = rows;
    var sctx = small.getContext("2d");
    var img = sctx.createImageData(cols, rows);
    for (var i = 0; i < rows; i++) {
      for (var j = 0; j < cols; j++) {
        var v = gray(i, j);
        var o = 4 * (i * cols + j);
        img.data[o] = v;
        img.data[o + 1] = v;
        img.data[o + 2] = v;
        img.data[o + 3] = 255;
      }
    }
    sctx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(small, 0, top, cols * s, rows * s);
    if (xLabels) {
      ctx.fillStyle = "#111";
      ctx.font = Math.min(13, s) + "px monospace";
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      for (var k = 0; k < cols; k++) ctx.fillText(xLabels[k], k * s + s / 2, 1);
    }
    return c;
  }

  function render(container, spec) {
    if (spec.kind === "chartjs") return chartJs(container, spec.config, spec.height || 340, spec.width);
    if (spec.kind === "panels") {
      var layout = spec.layout || {};
      var columns = layout.columns || Math.min(3, spec.panels.length);
      var panels = document.createElement("div");
      panels.className = "panel-grid";
      panels.style.gridTemplateColumns = "repeat(auto-fill, minmax(max(240px, calc(100% / " + columns + " - 1em)), 1fr))";
      container.appendChild(panels);
      spec.panels.forEach(function (p) {
        var fig = document.createElement("figure");
        var cap = document.createElement("figcaption");
        cap.textContent = p.label;
        fig.appendChild(cap);
        panels.appendChild(fig);
        chartJs(fig, p.config, layout.height || 220);
      });
      return panels;
    }
    if (spec.kind === "bits") {
      var grid = document.createElement("div");
      grid.className = "image-grid";
      spec.images.forEach(function (im) {
        var fig = document.createElement("figure");
        var img = im.image;
        fig.appendChild(cellCanvas(img.rows, img.cols, function (i, j) {
          return img.bits[i].charCodeAt(j) === 49 ? 255 : 0;
        }, null, spec.images.length > 1 ? 4 : 8));
        var cap = document.createElement("figcaption");
        cap.textContent = im.label;
        fig.appendChild(cap);
        grid.appendChild(fig);
      });
      container.appendChild(grid);
      return grid;
    }
    if (spec.kind === "heatmap") {
      var h = spec.image;
      var m = 0;
      for (var q = 0; q < h.values.length; q++) m = Math.max(m, Math.abs(h.values[q]));
      m = m || 1;
      var c = cellCanvas(h.rows, h.cols, function (i, j) {
        return Math.round(255 * (0.5 + 0.5 * h.values[i * h.cols + j] / m));
      }, spec.xLabels, 16);
      container.appendChild(c);
      return c;
    }
    throw new Error("unknown chart kind " + spec.kind);
  }

  window.makemoreCharts = { render: render, update: update, logTicks: logTicks, logLabels: logLabels, niceLog: niceLog };
})();
`;

/** Draws every chart of the embedded report data into its placeholder; errors go to the console. */
export const BROWSER_BOOT = String.raw`
(function () {
  var data = JSON.parse(document.getElementById("makemore-report-data").textContent);
  var drawn = 0;
  data.charts.forEach(function (spec) {
    var el = document.getElementById("chart-" + spec.id);
    try {
      window.makemoreCharts.render(el, spec);
      drawn++;
    } catch (e) {
      el.setAttribute("data-error", String(e));
      el.appendChild(document.createTextNode("could not draw this chart: " + e));
      console.error("chart " + spec.id + ": " + (e && e.stack ? e.stack : e));
    }
  });
  document.body.setAttribute("data-charts-drawn", String(drawn));
})();
`;
