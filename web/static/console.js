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

  // A change htmx sent that the server did not take (an error status, or no answer at
  // all) is never left looking saved: the message the server gave, or one saying the
  // change was not saved, stands beside what was pressed until the next try.
  function errorText(xhr) {
    if (xhr && xhr.responseText) {
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var m = doc.querySelector("[data-testid=error-message]");
      if (m && m.textContent.trim()) return m.textContent.trim();
    }
    if (xhr && xhr.status === 0) return "Không kết nối được máy chủ: thay đổi chưa được lưu. Hãy kiểm tra mạng rồi thử lại.";
    return "Thay đổi chưa được lưu: hệ thống gặp lỗi. Hãy thử lại sau ít phút.";
  }
  function showError(e) {
    var el = e.detail && e.detail.elt;
    if (!el || !el.parentNode) return;
    if (el.hasAttribute && el.hasAttribute("sse-connect")) return; // the live stream reconnects by itself
    var form = el.closest ? (el.closest("form") || el) : el;
    var next = form.nextElementSibling;
    if (!next || !next.classList || !next.classList.contains("request-error")) {
      next = document.createElement("p");
      next.className = "request-error";
      next.setAttribute("role", "alert");
      next.setAttribute("data-testid", "request-error");
      form.parentNode.insertBefore(next, form.nextSibling);
    }
    next.textContent = errorText(e.detail.xhr);
  }
  // An answer that is only a refusal's sentence (the server's error-message) is never
  // swapped into the part of the page a request targets (a table row, a form): it is
  // shown beside what was pressed, whatever its status.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var xhr = e.detail && e.detail.xhr;
    if (!xhr || xhr.status < 400 || !xhr.responseText) return;
    if (xhr.responseText.indexOf('data-testid="error-message"') < 0) return;
    e.detail.shouldSwap = false;
    e.detail.isError = true;
  });
  document.addEventListener("htmx:responseError", showError);
  document.addEventListener("htmx:sendError", showError);
  document.addEventListener("htmx:beforeRequest", function (e) {
    var el = e.detail && e.detail.elt;
    var form = el && el.closest ? (el.closest("form") || el) : el;
    var next = form && form.nextElementSibling;
    if (next && next.classList && next.classList.contains("request-error")) next.remove();
  });

  // Recording a prompt in the browser (Thông báo): the microphone through MediaRecorder,
  // the recording put in the form's file field as if chosen from the disk, sent with the
  // form; the server converts it as any upload.
  document.querySelectorAll("[data-recorder]").forEach(function (box) {
    var form = box.closest("form");
    var start = box.querySelector("[data-record-start]");
    var stop = box.querySelector("[data-record-stop]");
    var state = box.querySelector("[data-record-state]");
    var file = form && form.querySelector("input[type=file]");
    if (!form || !file || !window.MediaRecorder || !navigator.mediaDevices) {
      box.hidden = true;
      return;
    }
    var recorder = null, chunks = [];
    start.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        chunks = [];
        recorder = new MediaRecorder(stream);
        recorder.ondataavailable = function (e) { if (e.data.size > 0) chunks.push(e.data); };
        recorder.onstop = function () {
          stream.getTracks().forEach(function (t) { t.stop(); });
          var type = recorder.mimeType || "audio/webm";
          var blob = new Blob(chunks, { type: type });
          var dt = new DataTransfer();
          dt.items.add(new File([blob], "ghi-am.webm", { type: type }));
          file.files = dt.files;
          var browser = form.querySelector("input[name=source][value=browser]");
          if (browser) browser.checked = true;
          state.textContent = "Đã ghi " + Math.round(blob.size / 1024) + " KB; bấm “Tạo phiên bản” để gửi.";
          start.disabled = false; stop.disabled = true;
        };
        recorder.start();
        state.textContent = "Đang ghi âm…";
        start.disabled = true; stop.disabled = false;
      }).catch(function () {
        state.textContent = "Không dùng được micro: hãy cho phép trình duyệt dùng micro, hoặc gửi một tệp ghi âm.";
      });
    });
    stop.addEventListener("click", function () { if (recorder && recorder.state !== "inactive") recorder.stop(); });
  });

  // Hướng dẫn on a ticket: an article's text or a saved reply goes into the note where
  // the cursor is (the form's plain GET shows the page again with it, without this).
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form[data-insert]")) return;
    var into = document.querySelector(form.getAttribute("data-insert-into"));
    var choice = form.querySelector("select[name=insert]");
    var state = form.querySelector("[data-insert-state]");
    if (!into || !choice || !window.fetch) return;
    e.preventDefault();
    if (state) state.textContent = "";
    fetch(form.getAttribute("data-insert") + "?insert=" + encodeURIComponent(choice.value), { credentials: "same-origin" })
      .then(function (r) {
        return r.text().then(function (text) { if (!r.ok) throw new Error(text || "Không lấy được nội dung để chèn."); return text; });
      })
      .then(function (text) {
        var start = into.selectionStart || 0, end = into.selectionEnd || 0, value = into.value;
        if (document.activeElement !== into && start === 0 && end === 0) { start = end = value.length; }
        var before = value.slice(0, start), after = value.slice(end);
        if (before && !/\n$/.test(before)) text = "\n" + text;
        if (after && !/^\n/.test(after)) text = text + "\n";
        into.value = before + text + after;
        into.rows = Math.max(into.rows, Math.min(16, into.value.split("\n").length + 1));
        into.focus();
        into.selectionStart = into.selectionEnd = before.length + text.length;
        into.dispatchEvent(new Event("input", { bubbles: true }));
        if (state) state.textContent = "";
      })
      .catch(function (err) {
        if (state) state.textContent = err && err.message ? err.message : "Không lấy được nội dung để chèn.";
      });
  });

  // Printing an article of Hướng dẫn (the print stylesheet leaves the console out).
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
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
