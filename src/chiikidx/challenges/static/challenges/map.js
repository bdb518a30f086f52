// The priority map, drawn with the locally served Plotly: 難易度 (x, easy on the left) ×
// 裨益性 (y), 緊急性 as size and colour, the quadrants shaded and named; a click on a point
// opens the challenge. The tables below the chart list the same points by quadrant.
(function () {
  "use strict";
  if (!window.Plotly) { return; }
  var el = document.querySelector("[data-chart='priority-map']");
  if (!el) { return; }
  var d = JSON.parse(document.getElementById(el.getAttribute("data-source")).textContent);
  var font = { family: "Noto Sans CJK JP, Hiragino Sans, Meiryo, sans-serif", size: 13, color: "#1a1a1c" };
  var SHADES = {
    quick: ["rgba(37, 157, 99, 0.13)", "#197a4b"],
    strategic: ["rgba(0, 23, 193, 0.08)", "#0017c1"],
    filler: ["rgba(148, 148, 151, 0.12)", "#4d4d4f"],
    reconsider: ["rgba(217, 124, 0, 0.12)", "#8a5300"]
  };
  // Plotly reads a few HTML tags in its texts: a title is shown as the text it is.
  function plain(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  var shapes = d.quadrants.map(function (q) {
    return { type: "rect", xref: "x", yref: "y", x0: q.x0, x1: q.x1, y0: q.y0, y1: q.y1,
             fillcolor: SHADES[q.slug][0], line: { width: 0 }, layer: "below" };
  });
  // On a phone the quadrants are too narrow for 「すぐやる(効果大・易しい)」 on one line: the
  // name goes over its explanation there.
  var narrow = el.clientWidth < 560;
  var annotations = d.quadrants.map(function (q) {
    var label = plain(q.label);
    return { x: q.x0 + 0.06, y: q.y1 - 0.06, xref: "x", yref: "y", xanchor: "left", yanchor: "top",
             text: "<b>" + (narrow ? label.replace("(", "<br>(") : label) + "</b>", showarrow: false,
             font: { size: narrow ? 11 : 13, color: SHADES[q.slug][1] } };
  });
  var p = d.points;
  var trace = {
    type: "scatter",
    mode: "markers",
    x: p.map(function (q) { return q.x; }),
    y: p.map(function (q) { return q.y; }),
    customdata: p.map(function (q) {
      return [plain(q.title), q.benefit, q.difficulty, q.urgency, q.priority.toFixed(1),
              plain(q.quadrant), plain(q.department), q.url, q.id];
    }),
    marker: {
      size: p.map(function (q) { return 8 + q.urgency * 5; }),
      color: p.map(function (q) { return q.urgency; }),
      cmin: 1, cmax: 5,
      colorscale: [[0, "#fde9a9"], [0.5, "#f08a24"], [1, "#b3001b"]],
      colorbar: { title: { text: plain(d.labels.urgency), side: "top" }, tickvals: [1, 2, 3, 4, 5],
                  thickness: 12, len: 0.6 },
      opacity: 0.9,
      line: { color: "#1a1a1c", width: 1 }
    },
    // The words come translated from the page (d.labels), the figures from each point.
    hovertemplate: "<b>%{customdata[0]}</b><br>%{customdata[6]}<br>" +
      plain(d.labels.benefit) + " %{customdata[1]} ・ " + plain(d.labels.difficulty) +
      " %{customdata[2]} ・ " + plain(d.labels.urgency) + " %{customdata[3]}<br>" +
      plain(d.labels.priority) + " %{customdata[4]}(%{customdata[5]})<extra></extra>"
  };
  var axis = function (title) {
    return { range: [0.5, 5.5], dtick: 1, tick0: 1, title: { text: plain(title) }, zeroline: false,
             showgrid: true, gridcolor: "rgba(0, 0, 0, 0.06)", fixedrange: true, showline: true,
             linecolor: "#949497", mirror: true };
  };
  var layout = {
    font: font, height: 600, margin: { t: 16, r: 16, b: 60, l: 70 }, showlegend: false,
    xaxis: axis(d.labels.x), yaxis: axis(d.labels.y), shapes: shapes, annotations: annotations,
    hovermode: "closest", hoverlabel: { bgcolor: "#ffffff", bordercolor: "#1a1a1c", font: font },
    plot_bgcolor: "#ffffff"
  };
  var config = { displaylogo: false, responsive: true,
                 modeBarButtonsToRemove: ["select2d", "lasso2d", "zoom2d", "pan2d", "autoScale2d"] };
  Plotly.newPlot(el, [trace], layout, config).then(function () {
    el.on("plotly_click", function (event) {
      var point = event.points && event.points[0];
      if (point && point.customdata) { window.location.href = point.customdata[7]; }
    });
    el.setAttribute("data-ready", "true");
  });
})();
