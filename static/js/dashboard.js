/* Across-years charts (Chart.js, vendored). The numbers come from a JSON data block, never inline script. */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var rates = document.getElementById("rates-chart");
  if (rates) {
    var datasets = [
      {label: data.labels.reporting_rate, data: data.reporting_rate, borderColor: "#0b5394", backgroundColor: "#0b5394"},
      {label: data.labels.on_time_rate, data: data.on_time_rate, borderColor: "#e69138", backgroundColor: "#e69138"}
    ];
    // one agency's line (?agency=…), dashed beside the province's
    if (data.line) {
      datasets.push({label: data.line.label, data: data.line.reporting_rate, borderColor: "#38761d",
                     backgroundColor: "#38761d", borderDash: [6, 4]});
    }
    new Chart(rates, {
      type: "line",
      data: {labels: data.years, datasets: datasets},
      options: {animation: false, scales: {y: {min: 0, max: 100}}}
    });
  }
  var progress = document.getElementById("progress-chart");
  if (progress) {
    var colours = {completed: "#38761d", in_progress: "#3d85c6", ongoing: "#8e7cc3", not_started: "#cc0000"};
    var chart = new Chart(progress, {
      type: "bar",
      data: {
        labels: data.years,
        datasets: Object.keys(colours).map(function (key) {
          return {label: data.labels[key], data: data.progress[key], backgroundColor: colours[key]};
        })
      },
      options: {animation: false, scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true}}}
    });
    // one task's progress per year, or all tasks': the chart is redrawn from the same data block
    var picker = document.getElementById("progress-task");
    if (picker) {
      picker.addEventListener("change", function () {
        var counts = picker.value ? data.tasks[picker.value] : data.progress;
        Object.keys(colours).forEach(function (key, i) { chart.data.datasets[i].data = counts[key]; });
        chart.update();
        progress.setAttribute("aria-label", picker.value
          ? picker.getAttribute("data-task-label").replace("{code}", picker.value)
          : picker.getAttribute("data-all-label"));
        progress.setAttribute("data-task", picker.value);
      });
    }
  }
  document.body.setAttribute("data-charts", "ready");
})();
