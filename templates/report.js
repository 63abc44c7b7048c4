// dvposture report.html: filter and sort the findings in the page. No network, no storage.
// When it has run, body[data-ready="1"]; an error is kept in body[data-error] (the headless test checks both).
(function () {
  "use strict";
  var body = document.body;
  try {
    var data = JSON.parse(document.getElementById("dvp-data").textContent);
    var list = document.getElementById("rule-list");
    var rules = Array.prototype.slice.call(list.querySelectorAll("article.rule"));
    var form = document.getElementById("filters");
    var group = document.getElementById("f-group");
    var text = document.getElementById("f-text");
    var sort = document.getElementById("f-sort");
    var waived = document.getElementById("f-waived");
    var severityBoxes = Array.prototype.slice.call(form.querySelectorAll('input[name="sev"]'));
    var shownCount = document.getElementById("shown-count");
    var noMatch = document.getElementById("no-match");

    // The searchable text of each finding and rule, read once.
    var entries = rules.map(function (rule) {
      var findings = Array.prototype.slice.call(rule.querySelectorAll("li.finding"));
      return {
        rule: rule,
        head: (rule.querySelector(".rule-head").textContent || "").toLowerCase(),
        findings: findings.map(function (f, i) {
          var subject = f.querySelector(".subject-name");
          return {
            el: f,
            order: i,
            text: (f.textContent || "").toLowerCase(),
            subject: subject ? subject.textContent.toLowerCase() : ""
          };
        })
      };
    });

    function apply() {
      var severities = {};
      severityBoxes.forEach(function (b) { severities[b.value] = b.checked; });
      var wantGroup = group.value;
      var query = text.value.trim().toLowerCase();
      var showWaived = waived.checked;
      var shown = 0;
      entries.forEach(function (e) {
        var groupOk = !wantGroup || e.rule.getAttribute("data-group") === wantGroup;
        var headHit = query !== "" && e.head.indexOf(query) !== -1;
        var visible = 0;
        e.findings.forEach(function (f) {
          var ok = groupOk &&
            severities[f.el.getAttribute("data-severity")] === true &&
            (showWaived || f.el.getAttribute("data-status") !== "waived") &&
            (query === "" || headHit || f.text.indexOf(query) !== -1);
          f.el.hidden = !ok;
          if (ok) { visible += 1; }
        });
        // A rule whose findings were all left out of the page still shows when its head matches.
        var keep = visible > 0 || (e.findings.length === 0 && groupOk &&
          severities[e.rule.getAttribute("data-severity")] === true && (query === "" || headHit));
        e.rule.hidden = !keep;
        shown += visible;
      });
      shownCount.textContent = String(shown);
      noMatch.hidden = shown > 0 || data.findings_in_page === 0;
    }

    function reorder() {
      var key = sort.value;
      var number = function (el, name) { return Number(el.getAttribute(name)) || 0; };
      var sorted = entries.slice().sort(function (a, b) {
        var x = a.rule, y = b.rule, d = 0;
        if (key === "title") {
          d = x.getAttribute("data-title").localeCompare(y.getAttribute("data-title"));
        } else if (key === "count") {
          d = number(y, "data-count") - number(x, "data-count");
        }
        return d || number(x, "data-order") - number(y, "data-order");
      });
      sorted.forEach(function (e) {
        list.appendChild(e.rule);
        var ul = e.rule.querySelector("ul.findings");
        var items = e.findings.slice().sort(function (a, b) {
          if (key === "subject") {
            return a.subject.localeCompare(b.subject) || a.order - b.order;
          }
          return a.order - b.order;
        });
        items.forEach(function (f) { ul.appendChild(f.el); });
      });
    }

    form.addEventListener("submit", function (ev) { ev.preventDefault(); });
    form.addEventListener("change", function (ev) {
      if (ev.target === sort) { reorder(); }
      apply();
    });
    text.addEventListener("input", apply);

    // Print everything's guidance: open the details while printing, restore afterwards.
    var opened = [];
    window.addEventListener("beforeprint", function () {
      opened = Array.prototype.slice.call(document.querySelectorAll("details.guidance:not([open])"));
      opened.forEach(function (d) { d.open = true; });
    });
    window.addEventListener("afterprint", function () {
      opened.forEach(function (d) { d.open = false; });
      opened = [];
    });

    apply();
    // The controls only work with the script: they stay hidden without it (a mail client, a locked-down viewer).
    form.hidden = false;
    document.getElementById("count").hidden = false;
    body.setAttribute("data-ready", "1");
  } catch (err) {
    body.setAttribute("data-error", String((err && err.message) || err));
  }
})();
