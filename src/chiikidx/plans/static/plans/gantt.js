// The plan's Gantt chart, drawn with the locally served Plotly from the page's JSON block.
// Status is shown by colour and by text (legend, hover and the table below the chart);
// critical measures carry ★ in their label and a thick dark outline.
(function () {
  "use strict";
  if (!window.Plotly) { return; }
  var font = { family: "Noto Sans CJK JP, Hiragino Sans, Meiryo, sans-serif", size: 13 };

  function ms(iso) { return Date.parse(iso + "T00:00:00Z"); }

  function draw(el) {
    var d = JSON.parse(document.getElementById(el.getAttribute("data-source")).textContent);
    var groups = {};
    var order = [];
    d.bars.forEach(function (b) {
      if (!groups[b.status]) {
        // One trace per status (the legend names it); widths are fixed, since Plotly would
        // otherwise size each trace's bars by the gaps between its own rows.
        groups[b.status] = { type: "bar", orientation: "h", name: b.status_label, base: [], x: [], y: [],
                             width: [], hovertext: [], hoverinfo: "text",
                             marker: { color: b.colour, line: { color: [], width: [] } } };
        order.push(b.status);
      }
      var g = groups[b.status];
      g.base.push(b.start);
      g.x.push(ms(b.end) - ms(b.start));
      g.y.push(b.y);
      g.width.push(0.6);
      g.hovertext.push(b.hover);
      g.marker.line.color.push(b.critical ? "#1a1a1c" : b.colour);
      g.marker.line.width.push(b.critical ? 3 : 0);
    });
    var traces = order.map(function (k) { return groups[k]; });
    var annotations = d.arrows.map(function (a) {
      return { x: a.x1, y: a.y1, ax: a.x0, ay: a.y0, xref: "x", yref: "y", axref: "x", ayref: "y",
               text: "", showarrow: true, arrowhead: 2, arrowsize: 1, standoff: 2,
               arrowwidth: a.critical ? 2.5 : 1.2, arrowcolor: a.critical ? "#1a1a1c" : "#626264" };
    });
    annotations.push({ x: d.today, y: 1, xref: "x", yref: "paper", text: "今日", showarrow: false,
                       yanchor: "bottom", font: { color: "#ec0000" } });
    var layout = {
      font: font, barmode: "overlay", bargap: 0.35, height: Math.max(320, 28 * d.bars.length + 140),
      margin: { l: 20, r: 30, t: 40, b: 40 }, legend: { orientation: "h", y: -0.25 },
      xaxis: { type: "date", tickvals: d.ticks.values, ticktext: d.ticks.text, range: d.ticks.range,
               tickangle: -45, showgrid: true, automargin: true },
      yaxis: { automargin: true, tickvals: d.bars.map(function (b) { return b.y; }),
               ticktext: d.bars.map(function (b) { return b.label; }), autorange: "reversed" },
      shapes: [{ type: "line", x0: d.today, x1: d.today, y0: 0, y1: 1, xref: "x", yref: "paper",
                 line: { color: "#ec0000", width: 2, dash: "dot" } }],
      annotations: annotations
    };
    Plotly.newPlot(el, traces, layout, { displaylogo: false, responsive: true });
  }

  document.querySelectorAll("[data-chart='gantt']").forEach(draw);
})();
