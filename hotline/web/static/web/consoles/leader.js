/* 领导驾驶舱: draws the ECharts charts and the Leaflet map from the json_script data;
   every chart element opens the list of the tickets it counts (/leader/tickets/). */
(function () {
  "use strict";
  var charts = JSON.parse(document.getElementById("leader-charts").textContent);
  var mapData = JSON.parse(document.getElementById("leader-map").textContent);
  var palette = ["#b03a2e", "#1f6feb", "#2e8b57", "#d49a00", "#7b4ea3", "#16a2b8", "#6b7785"];
  var rateKpis = charts.rate_kpis;
  var made = [];

  function list(params) {
    var q = ["days=" + encodeURIComponent(charts.days)];
    Object.keys(params).forEach(function (k) { q.push(k + "=" + encodeURIComponent(params[k])); });
    return "/leader/tickets/?" + q.join("&");
  }

  function chart(id, option, onClick) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return;
    var c = window.echarts.init(el, null, { renderer: "canvas" });
    option.color = palette;
    option.textStyle = { fontFamily: "PingFang SC, Microsoft YaHei, Noto Sans CJK SC, sans-serif" };
    c.setOption(option);
    if (onClick) {
      c.on("click", function (e) { var href = onClick(e); if (href) window.location.href = href; });
      el.style.cursor = "pointer";
    }
    made.push(c);
  }

  chart("chart-volume", {
    tooltip: { trigger: "axis" },
    grid: { left: 40, right: 16, top: 16, bottom: 40 },
    xAxis: { type: "category", data: charts.volume.map(function (d) { return d[0].slice(5); }) },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: "受理量", type: "line", smooth: true, symbolSize: 8, areaStyle: { opacity: 0.15 },
      data: charts.volume.map(function (d) { return d[1]; }) }]
  }, function (e) { return list({ counter: "received", day: charts.volume[e.dataIndex][0] }); });
  chart("chart-types", {
    tooltip: { trigger: "item" },
    legend: { bottom: 0, type: "scroll" },
    series: [{ name: "诉求类型", type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
      data: charts.types.map(function (d) { return { name: d[0], value: d[1] }; }) }]
  }, function (e) { return list({ type: charts.types[e.dataIndex][2] }); });
  function bars(id, rows, name) {
    chart(id, {
      tooltip: { trigger: "axis" },
      grid: { left: 150, right: 24, top: 8, bottom: 24 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: rows.map(function (d) { return d[0]; }),
        axisLabel: { width: 140, overflow: "truncate" } },
      series: [{ name: name, type: "bar", data: rows.map(function (d) { return d[1]; }) }]
    }, function (e) { return list({ topic: rows[e.dataIndex][0] }); });
  }
  bars("chart-topics", charts.topics, "件数");
  function compare(id, rows, key) {
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
    }, function (e) { var p = { recent: 7 }; p[key] = rows[e.dataIndex][3]; return list(p); });
  }
  compare("chart-hot-places", charts.hot_places, "place");
  compare("chart-hot-topics", charts.hot_topics, "topic");
  chart("chart-rates", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 48, right: 16, top: 32, bottom: 64 },
    xAxis: { type: "category", data: charts.rates.units, axisLabel: { interval: 0, rotate: 20, width: 110, overflow: "truncate" } },
    yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    series: charts.rates.series.map(function (s) { return { name: s.name, type: "bar", data: s.data }; })
  }, function (e) {
    return list({ counter: rateKpis[e.seriesIndex], part: "numerator", unit: charts.rates.codes[e.dataIndex] });
  });
  window.addEventListener("resize", function () { made.forEach(function (c) { c.resize(); }); });
  window.hotlineCharts = made;

  // The map: the tickets as points and as heat, the boundaries when loaded; the tiles of
  // the source the administrator set, else a plain background.
  var el = document.getElementById("ticket-map");
  if (el && window.L) {
    var L = window.L;
    var map = L.map(el, { zoomControl: true, attributionControl: !!mapData.tiles });
    if (mapData.tiles) {
      L.tileLayer(mapData.tiles, { maxZoom: 18, attribution: mapData.attribution || "" }).addTo(map);
    }
    var overlays = {};
    var bounds = [];
    if (mapData.boundaries.length) {
      var lines = L.layerGroup();
      mapData.boundaries.forEach(function (b) {
        try {
          var g = L.geoJSON(JSON.parse(b.geojson), { style: { color: "#1f6feb", weight: 1, fillOpacity: 0.05 } });
          g.bindTooltip(b.name);
          g.addTo(lines);
          bounds.push(g.getBounds());
        } catch (e) { /* a malformed boundary is skipped, the map still draws */ }
      });
      lines.addTo(map);
      overlays["辖区边界"] = lines;
    }
    var markers = L.layerGroup();
    mapData.points.forEach(function (p) {
      var m = L.circleMarker([p.lat, p.lng], { radius: 5, color: "#b03a2e", weight: 1, fillOpacity: 0.7, className: "ticket-point" });
      var a = document.createElement("a");
      a.href = "/tickets/" + encodeURIComponent(p.n) + "/";
      a.textContent = p.n + " " + (p.t || "") + "(" + p.s + (p.p ? "," + p.p : "") + ")";
      m.bindPopup(a);
      m.addTo(markers);
      bounds.push(L.latLngBounds([p.lat, p.lng], [p.lat, p.lng]));
    });
    markers.addTo(map);
    overlays["工单点位"] = markers;
    if (L.heatLayer && mapData.points.length) {
      var heat = L.heatLayer(mapData.points.map(function (p) { return [p.lat, p.lng, 1]; }),
        { radius: 22, blur: 18, maxZoom: 12 });
      heat.addTo(map);
      overlays["热力分布"] = heat;
    }
    if (mapData.labels.length) {
      var names = L.layerGroup();
      mapData.labels.forEach(function (p) {
        L.marker([p.lat, p.lng], { interactive: false, keyboard: false, icon: L.divIcon({
          className: "map-label map-label-" + p.level, html: "", iconSize: [0, 0] }) })
          .bindTooltip(p.name, { permanent: true, direction: "center", className: "map-label-text map-label-" + p.level })
          .addTo(names);
      });
      names.addTo(map);
      overlays["地名"] = names;
    }
    L.control.layers(null, overlays, { collapsed: false }).addTo(map);
    if (bounds.length) {
      var all = bounds[0];
      bounds.forEach(function (b) { all.extend(b); });
      map.fitBounds(all.pad(0.1), { maxZoom: 13 });
    } else {
      map.setView([27.5, 109.6], 8);
    }
    window.hotlineMap = map;
    window.hotlineMapPoints = mapData.points.length;
  }
})();
