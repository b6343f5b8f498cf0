// Keyboard shortcuts of the console: / search, j and k move in a list, Enter opens the
// chosen row, n writes a note, ? lists them. Keys typed into a field are left alone.
(function () {
  "use strict";
  var selected = -1;

  function rows() {
    var list = document.querySelector("[data-list]");
    return list ? Array.prototype.slice.call(list.querySelectorAll("tbody tr")) : [];
  }

  function select(i) {
    var all = rows();
    if (all.length === 0) return;
    selected = Math.max(0, Math.min(all.length - 1, i));
    all.forEach(function (r, j) { r.classList.toggle("selected", j === selected); });
    all[selected].scrollIntoView({ block: "nearest" });
  }

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (typing(e.target)) {
      if (e.key === "Escape") e.target.blur();
      return;
    }
    var target;
    switch (e.key) {
      case "/":
        target = document.querySelector("[data-shortcut=search]");
        if (target) { e.preventDefault(); target.focus(); target.select(); }
        break;
      case "j":
        select(selected + 1);
        break;
      case "k":
        select(selected - 1);
        break;
      case "Enter":
        var all = rows();
        if (selected >= 0 && all[selected]) {
          var link = all[selected].querySelector("a");
          if (link) { e.preventDefault(); window.location = link.href; }
        }
        break;
      case "n":
        target = document.querySelector("[data-shortcut=note]");
        if (target) { e.preventDefault(); target.focus(); }
        break;
      case "1": case "2": case "3": case "4": case "5": case "6":
        // In the wrap-up: what the call was, one key each.
        target = document.querySelector("[data-testid=dispositions] button[data-key='" + e.key + "']");
        if (target) { e.preventDefault(); target.click(); }
        break;
      case "?":
        var help = document.getElementById("shortcuts");
        if (help && help.showModal) { e.preventDefault(); help.showModal(); }
        break;
    }
  });

  // A list replaced by htmx (filters, paging) starts with nothing chosen.
  document.addEventListener("htmx:afterSwap", function () { selected = -1; });

  // Times that run: how long since (a wait, a state), how long until (an offer).
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function clock(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return (h > 0 ? h + ":" + pad(m) : m) + ":" + pad(s % 60);
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-since]").forEach(function (el) {
      el.textContent = clock(now - Number(el.getAttribute("data-since")));
    });
    document.querySelectorAll("[data-until]").forEach(function (el) {
      el.textContent = Math.max(0, Math.round((Number(el.getAttribute("data-until")) - now) / 1000));
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);

  // The screen-pop: the agent's phone answered a caller; their ticket opens.
  document.addEventListener("htmx:sseMessage", function (e) {
    var m = e.detail;
    if (m && m.type === "pop" && typeof m.data === "string" && m.data.charAt(0) === "/" && m.data.charAt(1) !== "/") {
      window.location.assign(m.data);
    }
  });
})();
