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
      case "?":
        var help = document.getElementById("shortcuts");
        if (help && help.showModal) { e.preventDefault(); help.showModal(); }
        break;
    }
  });

  // A list replaced by htmx (filters, paging) starts with nothing chosen.
  document.addEventListener("htmx:afterSwap", function () { selected = -1; });
})();
