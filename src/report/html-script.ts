/**
 * The report page's own script: it reads the chart configurations from the page's JSON data
 * element and draws them with Chart.js (inlined before it). What JSON cannot carry is added
 * here: ticks of logarithmic axes where the data says (`ticksAt`), and text and grid
 * colours from the page's CSS (drawn again when the colour scheme changes). When the charts are
 * drawn, <html data-charts="N"> says how many (tests wait for it); an error shows in the page.
 */
export const CHART_DATA_ID = 'concur-chart-data';

export const CHARTS_SCRIPT = `(function () {
  'use strict';
  var root = document.documentElement;
  // Paper is white whatever the screen's scheme: printing draws with the print colours.
  var PRINT = { color: '#444444', grid: '#cccccc' };
  function themed(colours) {
    var style = getComputedStyle(root);
    Chart.defaults.color = colours ? colours.color : style.getPropertyValue('--muted').trim();
    Chart.defaults.borderColor = colours ? colours.grid : style.getPropertyValue('--grid').trim();
    Chart.defaults.font.family = style.getPropertyValue('font-family');
  }
  function placeTicks(config, ticksAt) {
    Object.keys(ticksAt || {}).forEach(function (axis) {
      var scale = config.options.scales[axis];
      var at = ticksAt[axis];
      scale.afterBuildTicks = function (built) { built.ticks = at.map(function (value) { return { value: value }; }); };
      scale.ticks = Object.assign({}, scale.ticks, { callback: function (value) { return String(value); } });
    });
  }
  var charts = [];
  // Drawn from a fresh copy of the data each time: Chart.js keeps and changes the objects it gets.
  function drawAll(colours) {
    charts.forEach(function (chart) { chart.destroy(); });
    charts = [];
    themed(colours);
    var configs = JSON.parse(document.getElementById(${JSON.stringify(CHART_DATA_ID)}).textContent);
    document.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
      var spec = configs[canvas.getAttribute('data-chart')];
      if (!spec) return;
      placeTicks(spec.config, spec.ticksAt);
      charts.push(new Chart(canvas, spec.config));
    });
    root.setAttribute('data-charts', String(charts.length));
  }
  try {
    Chart.defaults.maintainAspectRatio = false;
    drawAll();
    var scheme = window.matchMedia('(prefers-color-scheme: dark)');
    if (scheme.addEventListener) scheme.addEventListener('change', function () { drawAll(); });
    window.addEventListener('beforeprint', function () { drawAll(PRINT); });
    window.addEventListener('afterprint', function () { drawAll(); });
  } catch (error) {
    root.setAttribute('data-charts', 'error');
    document.querySelectorAll('.chart-error').forEach(function (element) {
      element.hidden = false;
      element.textContent = 'The charts could not be drawn: ' + error;
    });
    console.error(error);
  }
})();
`;
