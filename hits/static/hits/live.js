/* The live list: new hits appear at the top of the newest page without a reload.

   Polls the rows fragment (hits:rows ?after=<newest id>), whose rows the server renders and escapes
   with the same template as the page's. Polling stops while the tab is hidden, starts again at once
   when it is shown, and slows down after a minute without new hits or attention. Rows that arrive while the window has no
   focus stay highlighted and are counted in the tab title until it gets focus back. */
(function () {
  "use strict";
  var FASTEST_MS = 2000;      // a new hit shows within about two seconds...
  var IDLE_GRACE_MS = 60000;  // ...for a minute after the page opened, got focus or last saw a hit;
  var SLOWEST_MS = 15000;     // then the interval grows to this (focus or showing the tab resets it)
  var BACKOFF = 1.5;
  var HIGHLIGHT_MS = 6000;    // how long a seen new row stays highlighted
  var MAX_ROWS = 1000;        // past this, a reload (which pages) is kinder to the browser than growth

  var table = document.querySelector("table[data-live-url]");
  if (!table || !window.fetch || !("content" in document.createElement("template"))) { return; }
  var tbody = table.tBodies[0];
  var status = document.getElementById("live-status");
  var baseTitle = document.title;
  var delay = FASTEST_MS;
  var timer = null;
  var polling = false;
  var stopped = false;
  var unseen = 0;
  var lastActivity = Date.now();

  function say(message) {
    status.textContent = message;
    status.hidden = !message;
  }

  function newestId() {
    var row = tbody.querySelector("tr[data-id]");
    return row ? row.getAttribute("data-id") : "0";
  }

  function showUnseen() {
    document.title = unseen ? "(" + unseen + ") " + baseTitle : baseTitle;
  }

  function fadeLater(rows) {
    window.setTimeout(function () {
      rows.forEach(function (row) { row.classList.remove("new"); });
    }, HIGHLIGHT_MS);
  }

  function insert(html) {
    var template = document.createElement("template");
    template.innerHTML = html;  // inert until inserted; the server escaped every captured value
    var rows = Array.prototype.slice.call(template.content.querySelectorAll("tr[data-id]"));
    if (!rows.length) { return 0; }
    var empty = tbody.querySelector("tr.empty-row");
    if (empty) { empty.parentNode.removeChild(empty); }
    rows.forEach(function (row) { row.classList.add("new"); });
    tbody.insertBefore(template.content, tbody.firstChild);
    if (document.hasFocus()) {
      fadeLater(rows);
    } else {
      unseen += rows.length;
      showUnseen();
    }
    return rows.length;
  }

  function schedule(ms) {
    window.clearTimeout(timer);
    timer = null;
    if (!stopped && !document.hidden) { timer = window.setTimeout(poll, ms); }
  }

  function poll() {
    if (polling || stopped || document.hidden) { return; }
    polling = true;
    var base = table.getAttribute("data-live-url");
    var url = base + (base.indexOf("?") < 0 ? "?" : "&") + "after=" + encodeURIComponent(newestId());
    window.fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("the server answered " + response.status); }
        var more = response.headers.get("X-More-Hits") === "true";
        return response.text().then(function (html) { return { html: html, more: more }; });
      })
      .then(function (result) {
        polling = false;
        var added = insert(result.html);
        if (added) { lastActivity = Date.now(); }
        var idle = Date.now() - lastActivity > IDLE_GRACE_MS;
        delay = idle ? Math.min(delay * BACKOFF, SLOWEST_MS) : FASTEST_MS;
        if (tbody.rows.length >= MAX_ROWS) {
          stopped = true;
          say("Live updates stopped after " + MAX_ROWS + " rows: reload the page to continue.");
          return;
        }
        say("Live: new hits appear here as they arrive.");
        schedule(result.more ? 0 : delay);
      })
      .catch(function (error) {
        polling = false;
        delay = Math.min(delay * 2, SLOWEST_MS);
        say("Live updates interrupted (" + error.message + "); trying again in " + Math.round(delay / 1000) + " s.");
        schedule(delay);
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      window.clearTimeout(timer);
      timer = null;
    } else {
      delay = FASTEST_MS;
      lastActivity = Date.now();
      poll();
    }
  });
  window.addEventListener("focus", function () {
    unseen = 0;
    showUnseen();
    fadeLater(Array.prototype.slice.call(tbody.querySelectorAll("tr.new")));
    delay = FASTEST_MS;
    lastActivity = Date.now();
    schedule(0);
  });

  say("Live: new hits appear here as they arrive.");
  schedule(FASTEST_MS);
})();
