/* Dark mode toggle. Without JavaScript the page follows prefers-color-scheme; with it, a choice made
   with the toggle is remembered in localStorage and applied before the first paint (loaded in <head>). */
(function () {
  "use strict";
  var KEY = "webhook_site.theme";
  var root = document.documentElement;

  function remembered() {
    try { return window.localStorage.getItem(KEY); } catch (error) { return null; }  // storage disabled
  }
  function remember(theme) {
    try { window.localStorage.setItem(KEY, theme); } catch (error) { /* storage disabled: this page only */ }
  }
  function current() {
    if (root.dataset.theme) { return root.dataset.theme; }
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  var saved = remembered();
  if (saved === "dark" || saved === "light") { root.dataset.theme = saved; }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("theme-toggle");
    if (!button) { return; }
    function show() { button.setAttribute("aria-pressed", current() === "dark" ? "true" : "false"); }
    button.hidden = false;
    show();
    button.addEventListener("click", function () {
      var next = current() === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      remember(next);
      show();
    });
  });
})();
