// Sessions and CDRs: keep the live sessions' table current without reloading the page.
// Every few seconds the table body is replaced by the one the server renders at
// /admin/sessions/live (the same template as the page's, so HTML-escaped there). Without this
// script the page shows the sessions as of its loading, with a Refresh link.
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script && script.getAttribute("data-live");
  var every = Number((script && script.getAttribute("data-every")) || 4000);
  var status = document.getElementById("live-status");
  var count = document.getElementById("live-count");
  if (!url || !document.getElementById("live-body")) {
    return;
  }

  function utcNow() {
    return new Date().toISOString().replace(/\.\d+Z$/, "Z");
  }

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function swap(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var fresh = holder.content.querySelector("tbody#live-body");
    var current = document.getElementById("live-body");
    if (!fresh || !current) {
      throw new Error("unexpected answer");
    }
    current.replaceWith(fresh);
    var live = fresh.getAttribute("data-count");
    if (count && count.textContent !== live) {
      count.textContent = live;
      say(live + (live === "1" ? " live session" : " live sessions") + ", updated " + utcNow() + ".");
    }
  }

  var stopped = false;
  // The live sessions are read from every stored Session's document: on a node holding very
  // many, one read takes a while, and this page asks at most a tenth of the node's time.
  var wait = every;

  function refresh() {
    if (document.hidden) {
      setTimeout(refresh, every);
      return;
    }
    var started = Date.now();
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (response.redirected) {
          // The console session ended: the answer is the login page.
          stopped = true;
          say("Live updates stopped: log in again to resume.");
          return null;
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        if (html !== null) {
          swap(html);
        }
      })
      .catch(function (error) {
        say("Could not update the live sessions (" + error.message + "); retrying.");
      })
      .then(function () {
        wait = Math.max(every, 10 * (Date.now() - started));
        if (!stopped) {
          setTimeout(refresh, wait);
        }
      });
  }

  setTimeout(refresh, every);
})();
