/* The map picker (web/_map_picker.html): a click on the map puts the point into the
   form's hidden lat/lng fields; the marker can be dragged; "清除标注" empties them. */
(function () {
  "use strict";
  function init(box) {
    var data = JSON.parse(document.getElementById("map-picker-data").textContent);
    var lat = box.querySelector("input[name=lat]");
    var lng = box.querySelector("input[name=lng]");
    var open = box.querySelector("[data-map-picker-open]");
    var clear = box.querySelector("[data-map-picker-clear]");
    var status = box.querySelector("[data-map-picker-status]");
    var help = box.querySelector("[data-map-picker-help]");
    var el = box.querySelector(".map-picker-map");
    var map = null, marker = null;

    function show(point) {
      if (point) {
        lat.value = point.lat.toFixed(6);
        lng.value = point.lng.toFixed(6);
        status.textContent = "已标注位置(纬度 " + lat.value + ",经度 " + lng.value + ")";
        clear.hidden = false;
      } else {
        lat.value = "";
        lng.value = "";
        status.textContent = "未标注位置";
        clear.hidden = true;
      }
    }
    function place(point) {
      var L = window.L;
      if (!marker) {
        marker = L.marker(point, { draggable: true, title: "事发位置", keyboard: true }).addTo(map);
        marker.on("dragend", function () { show(marker.getLatLng()); });
      } else {
        marker.setLatLng(point);
      }
      show(marker.getLatLng());
    }
    function build() {
      var L = window.L;
      map = L.map(el, { attributionControl: !!data.tiles });
      if (data.tiles) L.tileLayer(data.tiles, { maxZoom: 18 }).addTo(map);
      var bounds = null;
      data.labels.forEach(function (p) {
        L.marker([p.lat, p.lng], { interactive: false, keyboard: false,
          icon: L.divIcon({ className: "map-label", html: "", iconSize: [0, 0] }) })
          .bindTooltip(p.name, { permanent: true, direction: "center",
            className: "map-label-text map-label-" + p.level })
          .addTo(map);
        var b = L.latLngBounds([p.lat, p.lng], [p.lat, p.lng]);
        bounds = bounds ? bounds.extend(b) : b;
      });
      if (lat.value && lng.value) {
        map.setView([parseFloat(lat.value), parseFloat(lng.value)], 13);
        place(L.latLng(parseFloat(lat.value), parseFloat(lng.value)));
      } else if (bounds) {
        map.fitBounds(bounds.pad(0.1));
      } else {
        map.setView([27.5, 109.6], 8);
      }
      map.on("click", function (e) { place(e.latlng); });
      window.hotlinePicker = map;
    }
    open.addEventListener("click", function () {
      var opening = el.hidden;
      el.hidden = !opening;
      help.hidden = !opening;
      open.setAttribute("aria-expanded", opening ? "true" : "false");
      if (opening && window.L) {
        if (!map) build(); else map.invalidateSize();
      }
    });
    clear.addEventListener("click", function () {
      if (marker && map) { map.removeLayer(marker); marker = null; }
      show(null);
    });
  }
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-map-picker]"), init);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
