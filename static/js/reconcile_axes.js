// The reconcile page's claim axes: each bar, mark and tick sits where its data-left / data-width (percent of the
// axis) say. Set here rather than in style="" attributes, which the Content-Security-Policy refuses.
(function () {
  "use strict";
  document.querySelectorAll("#claim-axes [data-left]").forEach(function (element) {
    element.style.left = element.dataset.left + "%";
    if (element.dataset.width !== undefined) element.style.width = element.dataset.width + "%";
  });
})();
