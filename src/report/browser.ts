// The code that draws chart specs in a browser, as a script text (plain ES2017, no imports) that the
// HTML report inlines after Chart.js and that the browser lab can inject the same way. It defines
// `window.makemoreCharts.render(container, spec)`: a Chart.js chart for "chartjs" specs (with a plugin
// that writes `pointLabels` at their points), a grid of cells on a canvas for "bits" and "heatmap".

export const BROWSER_RENDERER = String.raw`
(function () {
  "use strict";
  var pointLabels = {
    id: "makemorePointLabels",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      chart.data.datasets.forEach(function (ds, i) {
        if (!ds.pointLabels) return;
        chart.getDatasetMeta(i).data.forEach(function (el, j) {
          ctx.save();
          ctx.fillStyle = "#111";
          ctx.font = "bold 13px sans-serif";
          ctx.textAlign = "center";
          ctx.textBaseline = "middle";
          ctx.fillText(String(ds.pointLabels[j]), el.x, el.y);
          ctx.restore();
        });
      });
    },
  };
  if (window.Chart) window.Chart.register(pointLabels);

  function cellCanvas(rows, cols, cellColor, xLabels, maxCell) {
    var s = Math.max(2, Math.min(maxCell, Math.floor(800 / cols)));
    var top = xLabels ? 16 : 0;
    var c = document.createElement("canvas");
    c.width = cols * s;
    c.height = rows * s + top;
    var ctx = c.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, c.width, c.height);
    for (var i = 0; i < rows; i++) {
      for (var j = 0; j < cols; j++) {
        ctx.fillStyle = cellColor(i, j);
        ctx.fillRect(j * s, top + i * s, s, s);
      }
    }
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
    if (spec.kind === "chartjs") {
      var box = document.createElement("div");
      box.className = "chart-box";
      box.style.height = (spec.height || 340) + "px";
      var canvas = document.createElement("canvas");
      box.appendChild(canvas);
      container.appendChild(box);
      var cfg = JSON.parse(JSON.stringify(spec.config));
      cfg.options = cfg.options || {};
      cfg.options.animation = false;
      cfg.options.responsive = true;
      cfg.options.maintainAspectRatio = false;
      cfg.options.normalized = true;
      return new window.Chart(canvas, cfg);
    }
    if (spec.kind === "bits") {
      var grid = document.createElement("div");
      grid.className = "image-grid";
      spec.images.forEach(function (im) {
        var fig = document.createElement("figure");
        var img = im.image;
        fig.appendChild(cellCanvas(img.rows, img.cols, function (i, j) {
          return img.bits[i].charCodeAt(j) === 49 ? "#fff" : "#000";
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
        var v = Math.round(255 * (0.5 + 0.5 * h.values[i * h.cols + j] / m));
        return "rgb(" + v + "," + v + "," + v + ")";
      }, spec.xLabels, 16);
      container.appendChild(c);
      return c;
    }
    throw new Error("unknown chart kind " + spec.kind);
  }

  window.makemoreCharts = { render: render };
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
