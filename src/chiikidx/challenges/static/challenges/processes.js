// The process analysis charts, drawn with the locally served Plotly: staff hours per year by
// step type and by medium (horizontal bars). The tables under the charts have the numbers.
(function () {
  "use strict";
  if (!window.Plotly) { return; }
  var font = { family: "Noto Sans CJK JP, Hiragino Sans, Meiryo, sans-serif", size: 13 };
  var config = { displaylogo: false, responsive: true };
  var colours = { types: "#0017c1", media: "#259d63" };

  function draw(el) {
    var data = JSON.parse(document.getElementById(el.getAttribute("data-source")).textContent);
    var kind = el.getAttribute("data-chart");
    var series = data[kind];
    if (!series || !series.labels.length) { return; }
    var labels = series.labels.slice().reverse();
    var hours = series.hours.slice().reverse();
    Plotly.newPlot(el, [{
      type: "bar", orientation: "h", x: hours, y: labels,
      marker: { color: colours[kind] || "#0017c1" },
      text: hours.map(function (h) { return h.toLocaleString("ja-JP") + "時間"; }),
      textposition: "outside", cliponaxis: false,
      hovertemplate: "%{y}: %{x:,.1f}時間/年<extra></extra>"
    }], {
      font: font, height: Math.max(180, 36 * labels.length + 70),
      margin: { t: 10, r: 90, b: 45, l: 110 },
      xaxis: { title: "職員の年間時間(時間)", separatethousands: true, tickformat: ",.0f", rangemode: "tozero" },
      yaxis: { automargin: true }
    }, config);
  }

  Array.prototype.slice.call(document.querySelectorAll(".process-chart[data-chart]")).forEach(draw);
})();
