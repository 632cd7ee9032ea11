// The incident's point on its page. The popup is built with textContent: user text is never parsed as HTML.
window.incidentMapInit = function (map) {
  "use strict";
  var node = document.getElementById("incident-map-data");
  if (!node) { return; }
  var data = JSON.parse(node.textContent);
  if (!data) { return; }
  var popup = document.createElement("div");
  var title = document.createElement("strong");
  title.textContent = data.title;
  title.dir = "auto";
  var meta = document.createElement("div");
  meta.textContent = [data.date, data.place].filter(Boolean).join(" · ");
  meta.dir = "auto";
  popup.appendChild(title);
  popup.appendChild(meta);
  L.marker([data.lat, data.lon]).addTo(map).bindPopup(popup);
  map.setView([data.lat, data.lon], 9);
};
