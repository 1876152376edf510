"use strict";
(function () {
  var form = document.getElementById("filters");
  var search = document.getElementById("search");
  var shown = document.getElementById("shown");
  function checked(name) {
    var out = {};
    form.querySelectorAll("input[name='" + name + "']").forEach(function (box) { out[box.value] = box.checked; });
    return out;
  }
  function apply() {
    var severity = checked("severity"), status = checked("status");
    var needle = search.value.trim().toLowerCase();
    var visible = 0, total = 0;
    document.querySelectorAll(".cassette").forEach(function (section) {
      var any = false;
      section.querySelectorAll(".interaction").forEach(function (row) {
        var counted = row.tagName === "ARTICLE";  // an unreadable cassette is filtered, not counted
        if (counted) { total += 1; }
        var severities = row.getAttribute("data-severities").split(" ").filter(Boolean);
        var show = status[row.getAttribute("data-status")] !== false;
        if (show && severities.length) {
          show = severities.some(function (s) { return severity[s]; });
        }
        if (show && needle) {
          show = row.getAttribute("data-search").indexOf(needle) !== -1;
        }
        row.classList.toggle("hidden", !show);
        row.querySelectorAll(".finding").forEach(function (f) {
          f.classList.toggle("hidden", !severity[f.getAttribute("data-severity")]);
        });
        if (show) { any = true; if (counted) { visible += 1; } }
      });
      section.classList.toggle("hidden", !any);
    });
    shown.textContent = visible + " of " + total + " interactions shown";
  }
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("change", apply);
  search.addEventListener("input", apply);
  apply();
})();
