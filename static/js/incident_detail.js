// While the geocoder works on a new incident, refresh just the "Where the geocoder placed it" section,
// so nothing typed elsewhere on the page is lost. The section comes from our server, already escaped.
(function () {
  "use strict";
  var tries = 0;
  function refresh() {
    if (!document.getElementById("geocode-pending") || tries >= 10) { return; }
    tries += 1;
    fetch(window.location.pathname, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("place");
        var current = document.getElementById("place");
        if (fresh && current) { current.replaceWith(document.adoptNode(fresh)); }
        window.setTimeout(refresh, 2000);
      })
      .catch(function () { window.setTimeout(refresh, 4000); });
  }
  window.setTimeout(refresh, 1500);
})();
