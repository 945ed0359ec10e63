(function () {
  var now = new Date();
  var today = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()) / 864e5;
  var at = today + (now.getHours() * 60 + now.getMinutes()) / 1440;
  document.querySelectorAll("svg.timeline").forEach(function (svg) {
    var axis = JSON.parse(svg.getAttribute("data-axis"));
    var last = axis[axis.length - 1];
    if (at < axis[0][0] || at >= last[1]) return;
    for (var i = 0; i < axis.length; i++) {
      var s = axis[i];
      if (at >= s[0] && at < s[1]) {
        var x = s[2] + (at - s[0]) / (s[1] - s[0]) * (s[3] - s[2]);
        var line = svg.querySelector(".today"), label = svg.querySelector(".today-label");
        line.setAttribute("x1", x + "%"); line.setAttribute("x2", x + "%");
        label.setAttribute("x", x + "%");
        label.setAttribute("text-anchor", x > 50 ? "end" : "start");
        line.removeAttribute("visibility"); label.removeAttribute("visibility");
        break;
      }
    }
  });
  document.querySelectorAll("ol.events li[data-last]").forEach(function (li) {
    if (+li.getAttribute("data-last") <= today) li.classList.add("past");
  });
  document.querySelectorAll(".address input").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
})();
