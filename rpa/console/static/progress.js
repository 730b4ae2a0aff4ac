// Live progress of a run: server-sent events from /runs/<id>/events update the counts.
(function () {
  var box = document.getElementById("progress");
  if (!box) { return; }
  var source = new EventSource(box.dataset.events);
  var fields = ["ended", "total", "done", "failed", "business_error", "held", "in_hand", "pending", "current"];
  function show(data) {
    fields.forEach(function (name) {
      if (data[name] !== undefined) { document.getElementById(name).textContent = data[name]; }
    });
    if (data.total) {
      document.getElementById("bar").style.width = Math.round(100 * data.ended / data.total) + "%";
    }
  }
  source.addEventListener("progress", function (event) { show(JSON.parse(event.data)); });
  source.addEventListener("end", function (event) {
    var data = JSON.parse(event.data);
    show(data);
    var verdict = document.getElementById("verdict");
    verdict.textContent = "运行已结束：" + data.verdict;
    verdict.className = "ok";
    verdict.dataset.finished = "1";
    source.close();
  });
})();
