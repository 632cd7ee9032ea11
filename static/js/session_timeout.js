// Warns before an idle desk session ends and lets the person stay signed in.
// The server ends a session SESSION_COOKIE_AGE seconds after its last request (every request renews it). Open tabs
// share the time of the last request through localStorage, so working in one tab keeps the others quiet.
(function () {
  "use strict";
  const box = document.getElementById("session-timeout");
  if (!box) return;

  const KEY = "incident-tracker:last-request";
  const idleMs = Number(box.dataset.idleSeconds) * 1000;
  const warnMs = Math.min(Number(box.dataset.warningSeconds) * 1000, idleMs);
  const countdown = box.querySelector(".session-countdown");
  const warningParts = box.querySelectorAll(".session-warning");
  const expiredPart = box.querySelector(".session-expired");
  const stayButton = document.getElementById("stay-signed-in");
  let loadedAt = Date.now();
  let timer = null;

  function stored() {
    try {
      return Number(window.localStorage.getItem(KEY)) || 0;
    } catch (error) {
      return 0; // storage refused (private mode): this tab alone counts
    }
  }

  function record(time) {
    loadedAt = time;
    try {
      window.localStorage.setItem(KEY, String(time));
    } catch (error) {
      // this tab alone counts
    }
  }

  function show(expired) {
    box.hidden = false;
    warningParts.forEach(function (part) { part.hidden = expired; });
    expiredPart.hidden = !expired;
  }

  function minutesAndSeconds(ms) {
    const seconds = Math.max(0, Math.ceil(ms / 1000));
    return Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  }

  function tick() {
    clearTimeout(timer);
    const left = Math.max(loadedAt, stored()) + idleMs - Date.now();
    if (left <= 0) {
      show(true);
      return;
    }
    if (left <= warnMs) {
      countdown.textContent = minutesAndSeconds(left);
      if (box.hidden || !expiredPart.hidden) {
        show(false);
        stayButton.focus();
      }
      timer = setTimeout(tick, 1000);
    } else {
      box.hidden = true;
      timer = setTimeout(tick, Math.min(left - warnMs, 60000));
    }
  }

  stayButton.addEventListener("click", function () {
    fetch(box.dataset.keepAliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": box.dataset.csrfToken },
    }).then(function (response) {
      if (response.status === 204) {
        record(Date.now());
        tick();
      } else {
        show(true);
      }
    }, function () {
      stayButton.textContent = "No answer from the server: try again";
    });
  });

  window.addEventListener("storage", function (event) {
    if (event.key === KEY) tick();
  });

  record(loadedAt);
  tick();
})();
