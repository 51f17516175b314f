// In-page chart client of chuanliu's HTML reports. Inlined after uPlot; draws the declarative chart
// specs (src/report/html/chart-spec.ts) embedded as JSON in #chuanliu-data. Keep it small and
// dependency-free: every layout decision is made server-side, in typed code.
/* global uPlot */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('chuanliu-data').textContent);
  var timeZone = data.timeZone;
  var eventFill = {
    promotion: 'rgba(230,159,0,0.10)',
    livestream: 'rgba(204,121,167,0.20)',
    'offline-retail': 'rgba(0,158,115,0.07)',
  };
  var eventText = { promotion: '#8a5a00', livestream: '#8e3b6b', 'offline-retail': '#0b6b4f' };

  // Same rules as formatCompact in src/report/format.ts.
  function compact(value) {
    if (value === null || value === undefined || !isFinite(value)) return '–';
    var magnitude = Math.abs(value);
    var suffixes = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
    for (var i = 0; i < suffixes.length; i++) {
      if (magnitude >= suffixes[i][0] * 0.9995) return Number((value / suffixes[i][0]).toPrecision(3)) + suffixes[i][1];
    }
    if (Number.isInteger(value)) return String(value);
    if (magnitude >= 100) return String(Math.round(value));
    if (magnitude >= 10) return String(Number(value.toFixed(1)));
    if (magnitude >= 0.01) return String(Number(value.toFixed(2)));
    return String(Number(value.toPrecision(2)));
  }

  function tzDate(ts) {
    return uPlot.tzDate(new Date(ts * 1e3), timeZone);
  }

  // The label, shortened with an ellipsis to fit `maxWidth`; '' when not even 4 characters fit.
  function fitText(ctx, text, maxWidth) {
    if (ctx.measureText(text).width <= maxWidth) return text;
    for (var length = text.length - 1; length >= 4; length--) {
      var candidate = text.slice(0, length) + '…';
      if (ctx.measureText(candidate).width <= maxWidth) return candidate;
    }
    return '';
  }

  var fmtClock = uPlot.fmtDate('{HH}:{mm}');
  var fmtClockSeconds = uPlot.fmtDate('{HH}:{mm}:{ss}');
  var fmtDay = uPlot.fmtDate('{MM}-{DD}');

  // 24-hour tick labels in the report's zone; the date is added under the first tick and at each new day.
  function timeTicks(u, splits, axisIndex, space, increment) {
    var previousDay = null;
    return splits.map(function (ts) {
      if (ts == null) return null;
      var date = tzDate(ts);
      var day = fmtDay(date);
      var clock = increment < 60 ? fmtClockSeconds(date) : fmtClock(date);
      var label = increment >= 86400 ? day : (day !== previousDay ? clock + '\n' + day : clock);
      previousDay = day;
      return label;
    });
  }

  // Calendar events as shaded bands behind the series with a line at each start (starts are what
  // capacity must be Ready for). Labels go in up to three rows in the padding above the plot, so they
  // never cover data; a label that finds no free row is left out, and hovering lists the events
  // active at the cursor under the chart.
  var eventLabelRows = Math.min(3, data.events.length);
  var eventRowHeight = 13;

  function eventsPlugin(activeLine) {
    return {
      hooks: {
        drawClear: [function (u) {
          var ctx = u.ctx;
          var left = u.bbox.left;
          var right = u.bbox.left + u.bbox.width;
          var pad = 3 * devicePixelRatio;
          var rowHeight = eventRowHeight * devicePixelRatio;
          var labelsTop = u.bbox.top - eventLabelRows * rowHeight - 2 * devicePixelRatio;
          var rowEnds = [];
          for (var r = 0; r < eventLabelRows; r++) rowEnds.push(-Infinity);
          ctx.save();
          ctx.font = Math.round(10 * devicePixelRatio) + 'px system-ui,sans-serif';
          ctx.textBaseline = 'top';
          data.events.forEach(function (event) {
            var start = u.valToPos(event.startSec, 'x', true);
            var x0 = Math.max(left, start);
            var x1 = Math.min(right, u.valToPos(event.endSec, 'x', true));
            if (!(x1 > left && x0 < right)) return;
            ctx.fillStyle = eventFill[event.kind] || 'rgba(120,120,120,0.10)';
            ctx.fillRect(x0, u.bbox.top, Math.max(x1 - x0, devicePixelRatio * 2), u.bbox.height);
            ctx.fillStyle = eventText[event.kind] || '#444';
            if (start >= left) {
              ctx.globalAlpha = 0.45;
              ctx.fillRect(Math.round(start), u.bbox.top, devicePixelRatio, u.bbox.height);
              ctx.globalAlpha = 1;
            }
            var label = fitText(ctx, event.label, right - x0);
            if (!label) return;
            var width = ctx.measureText(label).width;
            for (var row = 0; row < rowEnds.length; row++) {
              if (rowEnds[row] + pad <= x0) {
                rowEnds[row] = x0 + width;
                ctx.fillText(label, x0, labelsTop + row * rowHeight);
                return;
              }
            }
          });
          ctx.restore();
        }],
        setCursor: [function (u) {
          var index = u.cursor.idx;
          if (index == null) {
            activeLine.textContent = '\u00a0';
            return;
          }
          var time = u.data[0][index];
          var active = data.events.filter(function (event) { return event.startSec <= time && time < event.endSec; });
          activeLine.textContent = active.length === 0 ? '\u00a0'
            : 'events at cursor: ' + active.map(function (event) { return event.label; }).join(' · ');
        }],
      },
    };
  }

  // Markers (plan steps): a dashed line and a triangle per marker; hovering near one shows its text.
  function markersPlugin(markers, tip) {
    function nearest(u) {
      if (u.cursor.left == null || u.cursor.left < 0) return [];
      var hits = [];
      markers.forEach(function (marker) {
        if (Math.abs(u.valToPos(marker.timeSec, 'x') - u.cursor.left) <= 6) hits.push(marker);
      });
      return hits;
    }
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx;
          ctx.save();
          ctx.setLineDash([3 * devicePixelRatio, 3 * devicePixelRatio]);
          ctx.lineWidth = devicePixelRatio;
          markers.forEach(function (marker) {
            var x = Math.round(u.valToPos(marker.timeSec, 'x', true));
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
            ctx.strokeStyle = marker.color;
            ctx.globalAlpha = 0.45;
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.globalAlpha = 1;
            ctx.fillStyle = marker.color;
            var size = 5 * devicePixelRatio;
            ctx.beginPath();
            ctx.moveTo(x - size, u.bbox.top);
            ctx.lineTo(x + size, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + size * 1.4);
            ctx.closePath();
            ctx.fill();
          });
          ctx.restore();
        }],
        setCursor: [function (u) {
          var hits = nearest(u);
          if (hits.length === 0) {
            tip.style.display = 'none';
            return;
          }
          tip.textContent = hits.map(function (marker) { return marker.text; }).join('\n\n');
          tip.style.display = 'block';
          var x = u.valToPos(hits[0].timeSec, 'x') + u.over.offsetLeft;
          var maxLeft = u.root.clientWidth - tip.offsetWidth - 4;
          tip.style.left = Math.max(0, Math.min(x + 10, maxLeft)) + 'px';
          tip.style.top = (u.over.offsetTop + 8) + 'px';
        }],
      },
    };
  }

  function build(spec, element) {
    var xs = new Array(spec.count);
    for (var i = 0; i < spec.count; i++) xs[i] = spec.startSec + i * spec.stepSec;
    var raw = spec.series.map(function (series) { return series.values; });
    // Stacked series are drawn as cumulative sums, bottom first.
    // stackedBelow[i] = index of the stacked series right under series i.
    var running = null;
    var stackedBelow = [];
    var previousStacked = -1;
    var plotted = raw.map(function (values, index) {
      stackedBelow.push(-1);
      if (!spec.series[index].stacked) return values;
      // A layer without a value is a gap; the layers above stack on whatever is below.
      var below = running || new Array(spec.count).fill(null);
      var layer = below.map(function (sum, i) { return values[i] == null ? null : (sum || 0) + values[i]; });
      running = below.map(function (sum, i) { return layer[i] == null ? sum : layer[i]; });
      stackedBelow[index] = previousStacked;
      previousStacked = index;
      return layer;
    });
    var hasRight = spec.series.some(function (series) { return series.axis === 'right'; });
    var series = [{ label: 'time', value: '{YYYY}-{MM}-{DD} {HH}:{mm}:{ss}' }].concat(spec.series.map(function (s, index) {
      var options = {
        label: s.label,
        stroke: s.color,
        width: s.width || 1.5,
        scale: s.axis === 'right' ? 'y2' : 'y',
        points: { show: false },
        value: function (u, value, seriesIndex, dataIndex) {
          if (dataIndex == null) return '–';
          return compact(raw[seriesIndex - 1][dataIndex]);
        },
      };
      if (s.dash) options.dash = s.dash;
      if (s.stepped) options.paths = uPlot.paths.stepped({ align: 1 });
      if (s.spanGaps) options.spanGaps = true;
      if (s.fill && stackedBelow[index] < 0) options.fill = s.fill;
      return options;
    }));
    var bands = (spec.bands || []).map(function (band) {
      return { series: [band.upper + 1, band.lower + 1], fill: band.fill };
    });
    stackedBelow.forEach(function (below, index) {
      if (below >= 0 && spec.series[index].fill) bands.push({ series: [index + 1, below + 1], fill: spec.series[index].fill });
    });
    var axes = [
      { label: 'time (' + timeZone + ')', values: timeTicks, labelSize: 18, labelFont: '12px system-ui,sans-serif', font: '11px system-ui,sans-serif' },
      { label: spec.yLabel, labelSize: 18, labelFont: '12px system-ui,sans-serif', font: '11px system-ui,sans-serif', size: 52,
        values: function (u, splits) { return splits.map(compact); } },
    ];
    if (hasRight) {
      axes.push({ scale: 'y2', side: 1, label: spec.y2Label || '', labelSize: 18, labelFont: '12px system-ui,sans-serif',
        font: '11px system-ui,sans-serif', size: 52, grid: { show: false },
        values: function (u, splits) { return splits.map(compact); } });
    }
    var plugins = [];
    var withEvents = spec.showEvents !== false && data.events.length > 0;
    if (withEvents) {
      var activeLine = document.createElement('div');
      activeLine.className = 'chart-events';
      activeLine.textContent = '\u00a0';
      plugins.push(eventsPlugin(activeLine));
    }
    if (spec.markers && spec.markers.length > 0) {
      var tip = document.createElement('div');
      tip.className = 'marker-tip';
      element.appendChild(tip);
      plugins.push(markersPlugin(spec.markers, tip));
    }
    var scales = { x: { time: true }, y: { range: function (u, min, max) { return [Math.min(0, min), max > 0 ? max * 1.05 : 1]; } } };
    if (hasRight) scales.y2 = { range: function (u, min, max) { return [Math.min(0, min), max > 0 ? max * 1.05 : 1]; } };
    var options = {
      width: Math.max(320, element.clientWidth),
      height: spec.height || 240,
      tzDate: tzDate,
      series: series,
      bands: bands,
      axes: axes,
      scales: scales,
      plugins: plugins,
      legend: { live: true },
      cursor: { sync: { key: 'chuanliu' }, drag: { x: true, y: false } },
      // Room above the plot for the event labels.
      padding: [withEvents ? eventLabelRows * eventRowHeight + 6 : 10, 12, 0, 0],
    };
    var plot = new uPlot(options, [xs].concat(plotted), element);
    if (withEvents) element.appendChild(activeLine);
    return plot;
  }

  // y against a numeric x (frontiers): all series on the union of their x values, each with values
  // only at its own points (null elsewhere, joined across the gaps), points always drawn.
  function buildXy(spec, element) {
    var xs = [];
    spec.series.forEach(function (s) { s.points.forEach(function (p) { xs.push(p.x); }); });
    xs = xs.filter(function (x, i) { return xs.indexOf(x) === i; }).sort(function (a, b) { return a - b; });
    var labels = [];
    var columns = spec.series.map(function (s, seriesIndex) {
      var values = new Array(xs.length).fill(null);
      labels[seriesIndex] = new Array(xs.length).fill(null);
      s.points.forEach(function (p) {
        var i = xs.indexOf(p.x);
        values[i] = p.y;
        labels[seriesIndex][i] = p.label;
      });
      return values;
    });
    var series = [{ label: spec.xLabel, value: function (u, v) { return v == null ? '–' : compact(v); } }].concat(spec.series.map(function (s) {
      var options = {
        label: s.label,
        stroke: s.color,
        width: s.line === false ? 0 : 1.5,
        spanGaps: true,
        points: { show: true, size: s.pointSize || 6, fill: s.color },
        value: function (u, value, seriesIndex, dataIndex) {
          if (dataIndex == null || value == null) return '–';
          return labels[seriesIndex - 1][dataIndex] + ': ' + compact(value);
        },
      };
      if (s.line === false) options.paths = function () { return null; };
      if (s.dash) options.dash = s.dash;
      return options;
    }));
    var axes = [
      { label: spec.xLabel, labelSize: 18, labelFont: '12px system-ui,sans-serif', font: '11px system-ui,sans-serif',
        values: function (u, splits) { return splits.map(compact); } },
      { label: spec.yLabel, labelSize: 18, labelFont: '12px system-ui,sans-serif', font: '11px system-ui,sans-serif', size: 60,
        values: function (u, splits) { return splits.map(compact); } },
    ];
    var y = spec.yScale === 'asinh' ? { distr: 4, asinh: 1 } : { range: function (u, min, max) { return [Math.min(0, min), max > 0 ? max * 1.05 : 1]; } };
    var options = {
      width: Math.max(320, element.clientWidth),
      height: spec.height || 360,
      series: series,
      axes: axes,
      scales: { x: { time: false }, y: y },
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      padding: [10, 12, 0, 0],
    };
    return new uPlot(options, [xs].concat(columns), element);
  }

  var charts = [];
  data.charts.forEach(function (spec) {
    var element = document.querySelector('[data-chart="' + spec.id + '"]');
    if (element) charts.push({ plot: build(spec, element), element: element });
  });
  (data.xyCharts || []).forEach(function (spec) {
    var element = document.querySelector('[data-chart="' + spec.id + '"]');
    if (element) charts.push({ plot: buildXy(spec, element), element: element });
  });
  var resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      charts.forEach(function (chart) {
        chart.plot.setSize({ width: Math.max(320, chart.element.clientWidth), height: chart.plot.height });
      });
    }, 100);
  });
})();
