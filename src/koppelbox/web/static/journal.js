// The live journal: every two seconds, ask for the rows newer than the newest shown (same filters) and put
// them on top. Rows arrive rendered and escaped by the server; nothing here builds markup from data.
"use strict";
(function () {
  var table = document.getElementById("journal");
  var rows = document.getElementById("journal-rows");
  var live = document.getElementById("live");
  if (!table || !rows) { return; }
  var MAX_ROWS = 200;
  function poll() {
    var params = new URLSearchParams(window.location.search);
    params.set("after", table.dataset.newest || "0");
    fetch("/inspector/journal/rows?" + params.toString(), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        var newest = response.headers.get("X-Newest-Seq");
        return response.text().then(function (html) { return { html: html, newest: newest }; });
      })
      .then(function (answer) {
        if (answer.newest) { table.dataset.newest = answer.newest; }
        if (answer.html.trim()) {
          var before = rows.rows.length;
          rows.insertAdjacentHTML("afterbegin", answer.html);
          var added = rows.rows.length - before;
          while (rows.rows.length > MAX_ROWS) { rows.deleteRow(-1); }
          var empty = document.getElementById("journal-empty");
          if (empty) { empty.remove(); }
          live.textContent = added + (added === 1 ? " nieuwe aanvraag" : " nieuwe aanvragen") + " (" + new Date().toLocaleTimeString() + ").";
        }
      })
      .catch(function () { live.textContent = "Live bijwerken onderbroken; probeert het opnieuw."; })
      .finally(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 2000);
})();
