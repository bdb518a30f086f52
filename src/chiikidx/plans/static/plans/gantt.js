// The plan's Gantt chart, drawn with the locally served Plotly from the page's JSON block.
// Status is shown by colour and by text (legend, hover and the table below the chart);
// critical measures carry ★ in their label and a thick dark outline. Behind each bar, a faint
// hatched band is the measure's start → 期限 in the chosen baseline; a what-if adds the dates
// the measures would move to (purple outline) and the 期限 they would break (red ✕).
(function () {
  "use strict";
  if (!window.Plotly) { return; }
  var font = { family: "Noto Sans CJK JP, Hiragino Sans, Meiryo, sans-serif", size: 13 };
  var BAR_WIDTH = 0.46;
  var GHOST_WIDTH = 0.84;
  var ROW_HEIGHT = 34;
  // A3 landscape: 420 mm less 2 × 12 mm margins is about 1490 px at 96 px per inch.
  var PRINT_WIDTH = 1450;

  function ms(iso) { return Date.parse(iso + "T00:00:00Z"); }

  function span(name, items, style) {
    // Bars of fixed width: Plotly would otherwise size each trace's bars by its own row gaps.
    return { type: "bar", orientation: "h", name: name, hoverinfo: "text",
             base: items.map(function (b) { return b.start; }),
             x: items.map(function (b) { return ms(b.end) - ms(b.start); }),
             y: items.map(function (b) { return b.y; }),
             width: items.map(function () { return style.width; }),
             hovertext: items.map(function (b) { return b.hover; }),
             marker: style.marker };
  }

  function ghosts(d) {
    if (!d.ghosts || !d.ghosts.length) { return []; }
    return [span("ベースライン「" + d.baseline_label + "」", d.ghosts, {
      width: GHOST_WIDTH,
      marker: { color: "rgba(148, 148, 151, 0.14)", line: { color: "#767678", width: 1 },
                pattern: { shape: "/", fgcolor: "#767678", fgopacity: 0.6, size: 7, solidity: 0.18 } }
    })];
  }

  function bars(d) {
    var groups = {};
    var order = [];
    d.bars.forEach(function (b) {
      if (!groups[b.status]) {  // one trace per status: the legend names it
        groups[b.status] = { label: b.status_label, colour: b.colour, items: [] };
        order.push(b.status);
      }
      groups[b.status].items.push(b);
    });
    return order.map(function (k) {
      var g = groups[k];
      return span(g.label, g.items, {
        width: BAR_WIDTH,
        marker: { color: g.colour,
                  line: { color: g.items.map(function (b) { return b.critical ? "#1a1a1c" : b.colour; }),
                          width: g.items.map(function (b) { return b.critical ? 3 : 0; }) } }
      });
    });
  }

  function whatIf(d) {
    var traces = [];
    if (d.moves && d.moves.length) {
      traces.push(span("もし遅れたら(動く日程)", d.moves, {
        width: BAR_WIDTH,
        marker: { color: "rgba(111, 35, 208, 0.18)", line: { color: "#6f23d0", width: 2.5 } }
      }));
    }
    if (d.broken && d.broken.length) {
      traces.push({ type: "scatter", mode: "markers", name: "超える期限",
                    x: d.broken.map(function (b) { return b.x; }),
                    y: d.broken.map(function (b) { return b.y; }),
                    hovertext: d.broken.map(function (b) { return b.hover; }), hoverinfo: "text",
                    marker: { symbol: "x", size: 17, color: "#ec0000", line: { color: "#ffffff", width: 1.5 } } });
    }
    return traces;
  }

  function draw(el) {
    var d = JSON.parse(document.getElementById(el.getAttribute("data-source")).textContent);
    var traces = ghosts(d).concat(bars(d), whatIf(d));
    var annotations = d.arrows.map(function (a) {
      return { x: a.x1, y: a.y1, ax: a.x0, ay: a.y0, xref: "x", yref: "y", axref: "x", ayref: "y",
               text: "", showarrow: true, arrowhead: 2, arrowsize: 1, standoff: 2,
               arrowwidth: a.critical ? 2.5 : 1.2, arrowcolor: a.critical ? "#1a1a1c" : "#626264" };
    });
    annotations.push({ x: d.today, y: -0.85, xref: "x", yref: "y", text: "今日", showarrow: false,
                       xanchor: "center", yanchor: "middle", bgcolor: "#ffffff", font: { color: "#ec0000" } });
    // 「令和7年度 Q1」 → Q1 over the 年度, so the ticks read across without turning.
    var ticktext = d.ticks.text.map(function (t) {
      var parts = t.split(" ");
      return parts.length === 2 ? parts[1] + "<br>" + parts[0] : t;
    });
    var layout = {
      font: font, barmode: "overlay", height: ROW_HEIGHT * (d.bars.length + 0.6) + 170,
      margin: { l: 20, r: 30, t: 20, b: 20 },
      legend: { orientation: "h", x: 0, xanchor: "left", y: 1.02, yanchor: "bottom" },
      xaxis: { type: "date", tickvals: d.ticks.values, ticktext: ticktext, range: d.ticks.range,
               tickangle: 0, showgrid: true, automargin: true },
      yaxis: { automargin: true, tickvals: d.bars.map(function (b) { return b.y; }),
               ticktext: d.bars.map(function (b) { return b.label; }),
               range: [d.bars.length - 0.5, -1.1] },  // top to bottom; room for 「今日」 on top
      shapes: [{ type: "line", x0: d.today, x1: d.today, y0: 0, y1: 1, xref: "x", yref: "paper",
                 line: { color: "#ec0000", width: 2, dash: "dot" } }],
      annotations: annotations
    };
    Plotly.newPlot(el, traces, layout, { displaylogo: false, responsive: true });
  }

  var charts = Array.prototype.slice.call(document.querySelectorAll("[data-chart='gantt']"));
  charts.forEach(draw);

  // On paper (A3 landscape, see print-a3.css) the chart takes the printable width, then goes
  // back to the screen's. Browsers fire beforeprint; print emulation changes the media query.
  function toPaper() { charts.forEach(function (el) { Plotly.relayout(el, { width: PRINT_WIDTH }); }); }
  function toScreen() { charts.forEach(function (el) { Plotly.relayout(el, { width: null, autosize: true }); }); }
  window.addEventListener("beforeprint", toPaper);
  window.addEventListener("afterprint", toScreen);
  if (window.matchMedia) {
    window.matchMedia("print").addEventListener("change", function (e) { (e.matches ? toPaper : toScreen)(); });
  }
})();
