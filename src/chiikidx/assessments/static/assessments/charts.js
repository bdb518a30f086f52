// Charts drawn with the locally served Plotly; each chart's data sits in a JSON block and every
// chart has a table with the same numbers next to it.
(function () {
  "use strict";
  if (!window.Plotly) { return; }
  var config = { displaylogo: false, responsive: true };
  var font = { family: "Noto Sans CJK JP, Hiragino Sans, Meiryo, sans-serif", size: 13 };
  var smallFont = { family: font.family, size: 11 };

  function data(el) {
    return JSON.parse(document.getElementById(el.getAttribute("data-source")).textContent);
  }

  // A phone's width: the charts' own margins and labels are made smaller to leave room.
  function narrow(el) { return el.clientWidth < 560; }

  // A name in lines of at most `size` characters (Japanese wraps anywhere).
  function lines(text, size) {
    var parts = [];
    for (var i = 0; i < text.length; i += size) { parts.push(text.slice(i, i + size)); }
    return parts.join("<br>");
  }

  function radar(el) {
    var d = data(el);
    var small = narrow(el);
    var close = function (values) { return values.concat(values.slice(0, 1)); };
    // Long names wrap before their English gloss, so that they fit beside the circle on A4;
    // on a phone the gloss is left out and the name wraps every 6 characters.
    var labels = close(d.labels.map(function (l) {
      if (small) { return lines(l.split("(")[0], 6); }
      return l.length > 12 ? l.replace("(", "<br>(") : l;
    }));
    var trace = function (name, values, color, dash) {
      return { type: "scatterpolar", name: name, r: close(values), theta: labels, fill: dash ? "none" : "toself",
               line: { color: color, dash: dash || "solid" }, connectgaps: true };
    };
    Plotly.newPlot(el, [
      trace("この団体", d.own, "#0017c1"),
      trace("県平均", d.prefecture, "#626264", "dash"),
      trace("類似団体平均", d.peers, "#d97c00", "dot")
    ], { polar: { radialaxis: { range: [0, 100] } }, font: small ? smallFont : font,
         margin: small ? { t: 40, b: 40, l: 66, r: 66 } : { t: 30, b: 60, l: 110, r: 110 },
         legend: { orientation: "h" }, height: small ? 400 : 460 }, config);
  }

  function heatmap(el) {
    var d = data(el);
    Plotly.newPlot(el, [{ type: "heatmap", z: d.z, x: d.x, y: d.y, zmin: 0, zmax: 100,
                          colorscale: "Blues", reversescale: true, hoverongaps: false,
                          hovertemplate: "%{y}<br>%{x}: %{z}<extra></extra>" }],
      { font: narrow(el) ? smallFont : font, margin: { l: 10, t: 20, b: 10, r: 10 },
        height: Math.max(360, 26 * d.y.length + 220),
        xaxis: { automargin: true }, yaxis: { autorange: "reversed", automargin: true } }, config);
  }

  function box(el) {
    var d = data(el);
    var traces = d.series.map(function (s) {
      if (s.q1 !== undefined) {  // quartiles computed on the server (thousands of scores)
        return { type: "box", name: s.name, x: [s.name], q1: [s.q1], median: [s.median], q3: [s.q3],
                 lowerfence: [s.lowerfence], upperfence: [s.upperfence], mean: [s.mean],
                 marker: { color: "#0017c1" }, line: { color: "#00118f" } };
      }
      return { type: "box", name: s.name, y: s.values, boxpoints: "all", jitter: 0.4, pointpos: 0,
               marker: { color: "#0017c1", size: 5 }, line: { color: "#00118f" } };
    });
    Plotly.newPlot(el, traces, { font: narrow(el) ? smallFont : font, showlegend: false,
                                 margin: { t: 20, b: 10, l: 50, r: 10 }, xaxis: { automargin: true },
                                 yaxis: { range: [0, 100], title: "スコア" }, height: 460 }, config);
  }

  function strip(el) {
    var d = data(el);
    var traces = [{ type: "box", x: d.others, name: "県内", boxpoints: "all", jitter: 0.5, pointpos: 0,
                    marker: { color: "#949497", size: 7 }, line: { color: "#626264" }, orientation: "h" }];
    if (d.own !== null) {
      traces.push({ type: "scatter", mode: "markers+text", x: [d.own], y: ["県内"], name: "この団体",
                    text: ["この団体"], textposition: "top center",
                    marker: { color: "#0017c1", size: 16, symbol: "diamond" } });
    }
    Plotly.newPlot(el, traces, { font: font, showlegend: false, height: 220, margin: { t: 20, b: 40, l: 60 },
                                 xaxis: { range: [0, 100], title: "総合スコア" } }, config);
  }

  var draw = { radar: radar, heatmap: heatmap, box: box, strip: strip };
  var charts = Array.prototype.slice.call(document.querySelectorAll("[data-chart]"));
  charts.forEach(function (el) { draw[el.getAttribute("data-chart")](el); });

  // On paper the charts take the printable width of A4 (180 mm), then go back to the screen's.
  var PRINT_WIDTH = 680;
  window.addEventListener("beforeprint", function () {
    charts.forEach(function (el) { Plotly.relayout(el, { width: PRINT_WIDTH }); });
  });
  window.addEventListener("afterprint", function () {
    charts.forEach(function (el) { Plotly.relayout(el, { width: null, autosize: true }); });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
