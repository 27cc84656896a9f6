/* The idle timeout, announced: some time before the session ends for want of activity the
   page says so, counting down, and offers to stay signed in (which refreshes the session).
   Once it has ended, the page says that what is typed on a form is kept across the login. */
(function () {
  "use strict";
  var box = document.getElementById("idle-warning");
  if (!box) { return; }
  var idle = Number(box.dataset.idleSeconds);
  var warnBefore = Math.min(120, Math.floor(idle / 2));
  var countdown = document.getElementById("idle-countdown");
  var stay = document.getElementById("idle-stay");
  var timer = null;
  var ticker = null;
  var endsAt = 0;

  function csrf() {
    var field = document.querySelector('input[name="csrf_token"]');
    return field ? field.value : "";
  }

  function later(seconds) {
    clearTimeout(timer);
    timer = setTimeout(check, Math.max(1, seconds) * 1000);
  }

  function words(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = String(seconds % 60).padStart(2, "0");
    return minutes + ":" + rest;
  }

  function ended() {
    clearInterval(ticker);
    box.hidden = false;
    box.classList.add("ended");
    document.getElementById("idle-running").hidden = true;
    document.getElementById("idle-ended").hidden = false;
  }

  function tick() {
    var left = Math.round((endsAt - Date.now()) / 1000);
    if (left <= 0) { ended(); return; }
    countdown.textContent = words(left);
  }

  function warn(remaining, extendable) {
    endsAt = Date.now() + remaining * 1000;
    stay.hidden = !extendable;
    box.hidden = false;
    tick();
    clearInterval(ticker);
    ticker = setInterval(tick, 1000);
  }

  // The session may have been used from another tab meanwhile: ask before warning.
  function ask(method) {
    var options = { method: method, credentials: "same-origin", redirect: "manual",
                    headers: { "Accept": "application/json" } };
    if (method === "POST") { options.headers["X-CSRF-Token"] = csrf(); }
    return fetch(box.dataset[method === "POST" ? "keepaliveUrl" : "statusUrl"], options)
      .then(function (response) {
        if (!response.ok) { throw new Error("session ended"); }
        return response.json();
      });
  }

  function check() {
    ask("GET").then(function (status) {
      if (status.remaining_s > warnBefore) {
        box.hidden = true;
        clearInterval(ticker);
        later(status.remaining_s - warnBefore);
      } else {
        warn(status.remaining_s, status.extendable);
      }
    }, ended);
  }

  stay.addEventListener("click", function () {
    ask("POST").then(function (status) {
      clearInterval(ticker);
      box.hidden = true;
      later(status.remaining_s - warnBefore);
    }, ended);
  });

  later(idle - warnBefore);
}());
