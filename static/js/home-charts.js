/* The staff home's charts (Apache ECharts, served locally). The data come from the json_script element
   #home-charts: [{id, title, type: "bar" | "line" | "pie", categories, series: [{name, data}], stack}].
   A file, not an inline script: the Content-Security-Policy allows scripts from the site only. */
(function () {
  "use strict";

  function number(value) {
    var n = parseFloat(value);
    return isNaN(n) ? 0 : n;
  }

  function money(value) {
    return number(value).toLocaleString("zh-CN", {minimumFractionDigits: 2, maximumFractionDigits: 2});
  }

  function option(chart) {
    if (chart.type === "pie") {
      var s = chart.series[0] || {data: []};
      return {
        tooltip: {trigger: "item", renderMode: "richText", valueFormatter: money},
        legend: {type: "scroll", bottom: 0},
        series: [{
          name: s.name, type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
          data: chart.categories.map(function (label, i) { return {name: label, value: number(s.data[i])}; })
        }]
      };
    }
    return {
      tooltip: {trigger: "axis", renderMode: "richText"},
      legend: {top: 0},
      grid: {left: 8, right: 16, top: 36, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: chart.categories},
      yAxis: {type: "value"},
      series: chart.series.map(function (s) {
        return {name: s.name, type: chart.type || "bar", stack: chart.stack ? "total" : undefined,
                data: s.data.map(number)};
      })
    };
  }

  function draw() {
    var source = document.getElementById("home-charts");
    if (!source || typeof window.echarts === "undefined") {
      return;
    }
    var charts = JSON.parse(source.textContent);
    var drawn = [];
    charts.forEach(function (chart) {
      var el = document.getElementById("chart-" + chart.id);
      if (!el) {
        return;
      }
      var instance = window.echarts.init(el, null, {renderer: "canvas"});
      instance.setOption(option(chart));
      el.setAttribute("data-drawn", "1");
      drawn.push(instance);
    });
    window.addEventListener("resize", function () {
      drawn.forEach(function (instance) { instance.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
}());
