// Progressive enhancement for search.html: the full list is there without JavaScript;
// with it, a box filters the list as you type (and takes ?q= from the header form).
(function () {
  "use strict";
  var input = document.getElementById("filter");
  var list = document.getElementById("entries");
  var status = document.getElementById("filter-status");
  if (!input || !list) { return; }
  input.hidden = false;
  var items = Array.prototype.slice.call(list.getElementsByTagName("li"));
  function apply() {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (item) {
      var text = item.textContent.toLowerCase();
      var match = words.every(function (word) { return text.indexOf(word) !== -1; });
      item.hidden = !match;
      if (match) { shown += 1; }
    });
    if (status) { status.textContent = shown + " of " + items.length + " entries"; }
  }
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) { input.value = query; }
  input.addEventListener("input", apply);
  apply();
}());
