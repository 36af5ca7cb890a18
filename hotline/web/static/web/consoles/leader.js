/* 领导驾驶舱: draws the ECharts charts and the Leaflet map from the json_script data. */
(function () {
  "use strict";
  var charts = JSON.parse(document.getElementById("leader-charts").textContent);
  var mapData = JSON.parse(document.getElementById("leader-map").textContent);
  var palette = ["#b03a2e", "#1f6feb", "#2e8b57", "#d49a00", "#7b4ea3", "#16a2b8", "#6b7785"];
  var made = [];

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return;
    var c = window.echarts.init(el, null, { renderer: "canvas" });
    option.color = palette;
    option.textStyle = { fontFamily: "PingFang SC, Microsoft YaHei, Noto Sans CJK SC, sans-serif" };
    c.setOption(option);
    made.push(c);
  }

  chart("chart-volume", {
    tooltip: { trigger: "axis" },
    grid: { left: 40, right: 16, top: 16, bottom: 40 },
    xAxis: { type: "category", data: charts.volume.map(function (d) { return d[0].slice(5); }) },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: "受理量", type: "line", smooth: true, areaStyle: { opacity: 0.15 }, data: charts.volume.map(function (d) { return d[1]; }) }]
  });
  chart("chart-types", {
    tooltip: { trigger: "item" },
    legend: { bottom: 0, type: "scroll" },
    series: [{ name: "诉求类型", type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
      data: charts.types.map(function (d) { return { name: d[0], value: d[1] }; }) }]
  });
  function bars(id, rows, name) {
    chart(id, {
      tooltip: { trigger: "axis" },
      grid: { left: 150, right: 24, top: 8, bottom: 24 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: rows.map(function (d) { return d[0]; }),
        axisLabel: { width: 140, overflow: "truncate" } },
      series: [{ name: name, type: "bar", data: rows.map(function (d) { return d[1]; }) }]
    });
  }
  bars("chart-topics", charts.topics, "件数");
  function compare(id, rows) {
    chart(id, {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 150, right: 24, top: 28, bottom: 24 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: rows.map(function (d) { return d[0]; }),
        axisLabel: { width: 140, overflow: "truncate" } },
      series: [
        { name: "近7天", type: "bar", data: rows.map(function (d) { return d[1]; }) },
        { name: "前7天", type: "bar", data: rows.map(function (d) { return d[2]; }) }
      ]
    });
  }
  compare("chart-hot-places", charts.hot_places);
  compare("chart-hot-topics", charts.hot_topics);
  chart("chart-rates", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 48, right: 16, top: 32, bottom: 64 },
    xAxis: { type: "category", data: charts.rates.units, axisLabel: { interval: 0, rotate: 20, width: 110, overflow: "truncate" } },
    yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    series: charts.rates.series.map(function (s) { return { name: s.name, type: "bar", data: s.data }; })
  });
  window.addEventListener("resize", function () { made.forEach(function (c) { c.resize(); }); });
  window.hotlineCharts = made;

  // The map: points (and boundaries if any); tiles only when an approved source is configured.
  var el = document.getElementById("ticket-map");
  if (el && window.L) {
    var map = window.L.map(el, { zoomControl: true, attributionControl: !!mapData.tiles });
    if (mapData.tiles) {
      window.L.tileLayer(mapData.tiles, { maxZoom: 18, attribution: mapData.attribution || "" }).addTo(map);
    }
    var layers = [];
    mapData.boundaries.forEach(function (b) {
      try {
        var g = window.L.geoJSON(JSON.parse(b.geojson), { style: { color: "#1f6feb", weight: 1, fillOpacity: 0.05 } });
        g.bindTooltip(b.name);
        g.addTo(map);
        layers.push(g);
      } catch (e) { /* a malformed boundary is skipped, the map still draws */ }
    });
    var pts = mapData.points.map(function (p) {
      var m = window.L.circleMarker([p.lat, p.lng], { radius: 5, color: "#b03a2e", weight: 1, fillOpacity: 0.7 });
      var a = document.createElement("a");
      a.href = "/tickets/" + encodeURIComponent(p.n) + "/";
      a.textContent = p.n + " " + (p.t || "") + "(" + p.s + ")";
      m.bindPopup(a);
      return m;
    });
    var group = window.L.featureGroup(pts.concat(layers)).addTo(map);
    if (pts.length || layers.length) {
      map.fitBounds(group.getBounds().pad(0.1), { maxZoom: 14 });
    } else {
      map.setView([30.0, 110.0], 6);
    }
    window.hotlineMap = map;
  }
})();
