// The cost case's chart, drawn with the locally served Plotly: cumulative net benefit (千円) of
// the three projections and of the realised counts. The table below the chart has the numbers.
(function () {
  "use strict";
  if (!window.Plotly) { return; }
  var font = { family: "Noto Sans CJK JP, Hiragino Sans, Meiryo, sans-serif", size: 13 };
  var config = { displaylogo: false, responsive: true };

  function draw(el) {
    var d = JSON.parse(document.getElementById(el.getAttribute("data-source")).textContent);
    var line = function (name, values, color, dash) {
      return { type: "scatter", mode: "lines+markers", name: name, x: d.years, y: values,
               line: { color: color, dash: dash, width: dash === "solid" ? 3 : 2 },
               marker: { size: 6 }, hovertemplate: "%{x}<br>" + name + ": %{y:,.0f}千円<extra></extra>" };
    };
    var labels = d.realised.map(function (v, i) { return v === null ? "" : d.partial[i]; });
    var traces = [
      line("高位", d.high, "#009844", "dot"),
      line("基準", d.base, "#0017c1", "solid"),
      line("低位", d.low, "#d97c00", "dash"),
      { type: "bar", name: "実績", x: d.years, y: d.realised, text: labels, textposition: "outside",
        marker: { color: "rgba(98, 98, 100, 0.55)", line: { color: "#444", width: 1 } },
        hovertemplate: "%{x}<br>実績: %{y:,.0f}千円<extra></extra>" }
    ];
    Plotly.newPlot(el, traces, {
      font: font, height: 380, margin: { t: 20, r: 20, b: 50, l: 80 },
      legend: { orientation: "h", y: -0.15 },
      yaxis: { title: "累積の純便益(千円)", zeroline: true, zerolinecolor: "#1a1a1c", zerolinewidth: 2,
               separatethousands: true, tickformat: ",.0f" },
      xaxis: { type: "category" }
    }, config);
  }

  var charts = Array.prototype.slice.call(document.querySelectorAll("[data-chart='cost']"));
  charts.forEach(draw);
  var PRINT_WIDTH = 680;
  window.addEventListener("beforeprint", function () {
    charts.forEach(function (el) { Plotly.relayout(el, { width: PRINT_WIDTH }); });
  });
  window.addEventListener("afterprint", function () {
    charts.forEach(function (el) { Plotly.relayout(el, { width: null, autosize: true }); });
  });
})();
