// Keeps the typed coordinates and the map widget's point in step on the incident form.
// Typed coordinates are never reformatted: the server stores exactly what is typed.
(function () {
  "use strict";
  var lat = document.getElementById("id_latitude");
  var lon = document.getElementById("id_longitude");
  var store = document.getElementById("id_location");
  if (!lat || !lon || !store) { return; }
  var preview = null;

  function typedPoint() {
    var y = parseFloat(lat.value), x = parseFloat(lon.value);
    if (lat.value.trim() === "" || lon.value.trim() === "" || isNaN(x) || isNaN(y)) { return null; }
    return { type: "Point", coordinates: [x, y] };
  }

  function fillFromStore() {
    var geometry;
    try { geometry = JSON.parse(store.value || "null"); } catch (e) { return; }
    if (geometry && geometry.type === "Point") {
      lat.value = geometry.coordinates[1].toFixed(6);
      lon.value = geometry.coordinates[0].toFixed(6);
    }
  }

  window.addEventListener("map:init", function (event) {
    var map = event.detail.map;
    map.on("draw:created draw:edited", function () { window.setTimeout(fillFromStore, 0); });
    map.on("draw:deleted", function () { lat.value = ""; lon.value = ""; });
    function showTyped() {
      var point = typedPoint();
      if (preview) { map.removeLayer(preview); preview = null; }
      if (!point) { return; }
      store.value = JSON.stringify(point);
      var latlng = [point.coordinates[1], point.coordinates[0]];
      preview = L.circleMarker(latlng, { radius: 7 }).addTo(map);
      map.setView(latlng, Math.max(map.getZoom(), 8));
    }
    lat.addEventListener("change", showTyped);
    lon.addEventListener("change", showTyped);
    if (typedPoint() && !store.value) { showTyped(); }
  });
})();
