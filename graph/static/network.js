// trialgraph network viewer: draws the network embedded in this page on a canvas. No library, no
// request to anything: the page works offline. Positions come computed from Python; this file only
// draws, zooms, pans, drags, searches and shows details. Every text from the data is set with
// textContent or drawn on the canvas, never parsed as HTML.
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("trialgraph-data").textContent);
  var nodes = data.nodes;
  var edges = data.edges;
  var kinds = data.kinds;
  var edgeKinds = data.edgeKinds;
  var N = nodes.length;

  var stage = document.getElementById("stage");
  var canvas = document.getElementById("canvas");
  var ctx = canvas.getContext("2d");
  var tooltip = document.getElementById("tooltip");
  var details = document.getElementById("details");
  var searchInput = document.getElementById("search");
  var resultsList = document.getElementById("results");

  var MIN_SCALE = 0.02;
  var MAX_SCALE = 400;
  var LABEL_FONT = "12px system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";
  var LABEL_FONT_BOLD = "600 13px system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";
  var MAX_LABEL = 32;

  var view = { x: 0, y: 0, k: 1 };
  var width = 0;
  var height = 0;
  var dpr = 1;
  var hover = -1;
  var selected = -1;
  var found = -1;
  var hiddenKinds = {};
  var frameRequested = false;
  var drawnNodes = 0;
  var drawnEdges = 0;
  var animation = null;

  // --- the data ----------------------------------------------------------------------------------

  var incident = [];
  var degree = [];
  for (var i = 0; i < N; i++) {
    incident.push([]);
    degree.push(0);
    nodes[i].index = i;
    nodes[i].short = shorten(nodes[i].l, MAX_LABEL);
    nodes[i].max = 0;
    nodes[i].hay = (nodes[i].l + " " + nodes[i].id + " " + (nodes[i].c || "") + " " + (nodes[i].s || "")).toLowerCase();
  }
  edges.forEach(function (e, j) {
    incident[e[0]].push(j);
    incident[e[1]].push(j);
    degree[e[0]]++;
    degree[e[1]]++;
  });
  nodes.forEach(function (n, k) { n.max = 6 + 2.4 * Math.sqrt(degree[k]); });
  var byId = {};
  nodes.forEach(function (n) { byId[n.id] = n.index; });
  // Draw order: trials and sponsors under drugs, targets and conditions.
  var drawOrder = nodes.map(function (n) { return n.index; }).sort(function (a, b) {
    return (kinds[nodes[b].k].layer - kinds[nodes[a].k].layer) || (a - b);
  });

  function shorten(text, limit) {
    text = String(text);
    return text.length <= limit ? text : text.slice(0, limit - 1) + "\u2026";
  }

  function visible(i) { return !hiddenKinds[nodes[i].k]; }

  // --- view ----------------------------------------------------------------------------------------

  function resize() {
    var rect = stage.getBoundingClientRect();
    dpr = window.devicePixelRatio || 1;
    width = Math.max(1, rect.width);
    height = Math.max(1, rect.height);
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    schedule();
  }

  function sx(x) { return (x - view.x) * view.k + width / 2; }
  function sy(y) { return (y - view.y) * view.k + height / 2; }
  function wx(px) { return (px - width / 2) / view.k + view.x; }
  function wy(py) { return (py - height / 2) / view.k + view.y; }

  function bounds(list) {
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    list.forEach(function (i) {
      var n = nodes[i];
      x0 = Math.min(x0, n.x - n.r); y0 = Math.min(y0, n.y - n.r);
      x1 = Math.max(x1, n.x + n.r); y1 = Math.max(y1, n.y + n.r);
    });
    return { x0: x0, y0: y0, x1: x1, y1: y1 };
  }

  function fitView(list) {
    if (!list.length) { return { x: 0, y: 0, k: 40 }; }
    var b = bounds(list);
    var w = Math.max(b.x1 - b.x0, 1), h = Math.max(b.y1 - b.y0, 1);
    // leave the legend its corner when the screen is wide enough
    var left = width > 760 ? legend.offsetWidth + 80 : 30;
    var right = 90;
    var usable = Math.max(width - left - right, width * 0.5);
    var k = Math.min(usable / w, (height - 48) / h);
    k = Math.max(MIN_SCALE, Math.min(k, 60));
    var regionCentre = width - right - usable / 2;
    return { x: (b.x0 + b.x1) / 2 - (regionCentre - width / 2) / k, y: (b.y0 + b.y1) / 2, k: k };
  }

  function fit(animate) {
    var list = [];
    for (var i = 0; i < N; i++) { if (visible(i)) { list.push(i); } }
    moveTo(fitView(list), animate);
  }

  function moveTo(target, animate) {
    if (!animate) {
      animation = null;
      view = target;
      schedule();
      return;
    }
    var start = { x: view.x, y: view.y, k: view.k };
    var t0 = performance.now();
    animation = function (now) {
      var t = Math.min(1, (now - t0) / 380);
      var e = t < 0.5 ? 2 * t * t : 1 - Math.pow(-2 * t + 2, 2) / 2;
      var k = Math.exp(Math.log(start.k) + (Math.log(target.k) - Math.log(start.k)) * e);
      view = { x: start.x + (target.x - start.x) * e, y: start.y + (target.y - start.y) * e, k: k };
      if (t >= 1) { animation = null; }
    };
    schedule();
  }

  function zoomAt(px, py, factor) {
    var k = Math.max(MIN_SCALE, Math.min(MAX_SCALE, view.k * factor));
    var x = wx(px), y = wy(py);
    view = { k: k, x: x - (px - width / 2) / k, y: y - (py - height / 2) / k };
    animation = null;
    schedule();
  }

  function centreOn(i) {
    var n = nodes[i];
    var k = Math.max(view.k, Math.min(60, 26 / Math.max(n.r, 0.2)), 18);
    moveTo({ x: n.x, y: n.y, k: Math.min(k, MAX_SCALE) }, true);
  }

  // --- drawing -------------------------------------------------------------------------------------

  function schedule() {
    if (!frameRequested) {
      frameRequested = true;
      window.requestAnimationFrame(draw);
    }
  }

  function shapePath(c, shape, x, y, r) {
    var a;
    if (shape === "diamond") {
      r *= 1.25;
      c.moveTo(x, y - r); c.lineTo(x + r, y); c.lineTo(x, y + r); c.lineTo(x - r, y); c.closePath();
    } else if (shape === "square") {
      r *= 0.9;
      c.rect(x - r, y - r, 2 * r, 2 * r);
    } else if (shape === "triangle") {
      r *= 1.2;
      c.moveTo(x, y - r); c.lineTo(x + r * 0.866, y + r * 0.5); c.lineTo(x - r * 0.866, y + r * 0.5); c.closePath();
    } else if (shape === "hexagon") {
      r *= 1.08;
      for (var s = 0; s < 6; s++) {
        a = Math.PI / 3 * s;
        if (s === 0) { c.moveTo(x + r * Math.cos(a), y + r * Math.sin(a)); } else { c.lineTo(x + r * Math.cos(a), y + r * Math.sin(a)); }
      }
      c.closePath();
    } else {
      c.moveTo(x + r, y);
      c.arc(x, y, r, 0, 2 * Math.PI);
    }
  }

  // A node grows with the zoom up to a size set by its number of links, so a zoomed-in picture
  // keeps room between nodes for the labels.
  function screenRadius(n) { return Math.max(2.2, Math.min(n.r * view.k, n.max)); }

  function neighbourhood(i) {
    var near = {};
    near[i] = true;
    incident[i].forEach(function (j) { near[edges[j][0]] = true; near[edges[j][1]] = true; });
    return near;
  }

  function draw(now) {
    frameRequested = false;
    if (animation) { animation(now || performance.now()); if (animation) { schedule(); } }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    var focus = selected >= 0 ? selected : hover;
    var near = focus >= 0 ? neighbourhood(focus) : null;
    var margin = 40;
    var onScreen = new Uint8Array(N);
    var count = 0;
    for (var i = 0; i < N; i++) {
      if (!visible(i)) { continue; }
      var n = nodes[i], r = screenRadius(n), x = sx(n.x), y = sy(n.y);
      if (x + r >= -margin && x - r <= width + margin && y + r >= -margin && y - r <= height + margin) {
        onScreen[i] = 1;
      }
    }

    // edges, one path per kind; faded when a node is in focus
    var lineScale = Math.max(0.5, Math.min(2.2, view.k * 0.06));
    var edgeCount = 0;
    ctx.lineCap = "round";
    edgeKinds.forEach(function (ek, kindIndex) {
      ctx.beginPath();
      var any = false;
      for (var j = 0; j < edges.length; j++) {
        var e = edges[j];
        if (e[2] !== kindIndex || !visible(e[0]) || !visible(e[1])) { continue; }
        if (!onScreen[e[0]] && !onScreen[e[1]] && !crosses(e)) { continue; }
        if (near && (e[0] === focus || e[1] === focus)) { continue; }
        ctx.moveTo(sx(nodes[e[0]].x), sy(nodes[e[0]].y));
        ctx.lineTo(sx(nodes[e[1]].x), sy(nodes[e[1]].y));
        any = true;
        edgeCount++;
      }
      if (any) {
        ctx.globalAlpha = near ? 0.12 : ek.alpha;
        ctx.strokeStyle = ek.color;
        ctx.lineWidth = ek.width * lineScale;
        ctx.stroke();
      }
    });
    ctx.globalAlpha = 1;
    if (near) {
      incident[focus].forEach(function (j) {
        var e = edges[j], ek = edgeKinds[e[2]];
        if (!visible(e[0]) || !visible(e[1])) { return; }
        ctx.beginPath();
        ctx.strokeStyle = ek.color;
        ctx.lineWidth = Math.max(1.6, ek.width * lineScale * 1.6);
        ctx.moveTo(sx(nodes[e[0]].x), sy(nodes[e[0]].y));
        ctx.lineTo(sx(nodes[e[1]].x), sy(nodes[e[1]].y));
        ctx.stroke();
        edgeCount++;
      });
    }
    if (view.k >= 14) { drawArrows(onScreen, near, focus, lineScale); }

    // nodes, one path per kind and fade level
    kinds.forEach(function (kind, kindIndex) {
      if (hiddenKinds[kindIndex]) { return; }
      [false, true].forEach(function (highlighted) {
        if (highlighted && !near) { return; }
        ctx.beginPath();
        var any = false;
        for (var t = 0; t < drawOrder.length; t++) {
          var i2 = drawOrder[t], n2 = nodes[i2];
          if (n2.k !== kindIndex || !onScreen[i2]) { continue; }
          if (near && !!near[i2] !== highlighted) { continue; }
          shapePath(ctx, kind.shape, sx(n2.x), sy(n2.y), screenRadius(n2));
          any = true;
        }
        if (!any) { return; }
        ctx.globalAlpha = near && !highlighted ? 0.22 : 1;
        ctx.fillStyle = kind.color;
        ctx.fill();
        ctx.lineWidth = 1;
        ctx.strokeStyle = "rgba(255,255,255,0.95)";
        ctx.stroke();
      });
    });
    ctx.globalAlpha = 1;
    for (var c = 0; c < N; c++) { if (onScreen[c]) { count++; } }

    ring(found, "#f5b400", 4);
    ring(selected, "#1d2330", 2.5);
    if (hover >= 0 && hover !== selected) { ring(hover, "#1d2330", 1.5); }

    drawLabels(onScreen, near, focus);
    if (!N) {
      ctx.font = LABEL_FONT_BOLD;
      ctx.fillStyle = "#5b6475";
      ctx.textAlign = "center";
      ctx.fillText("Nothing to draw: no node matches the filters.", width / 2, height / 2);
      ctx.textAlign = "start";
    }

    drawnNodes = count;
    drawnEdges = edgeCount;
    document.body.dataset.nodes = String(count);
    document.body.dataset.edges = String(edgeCount);
    document.body.dataset.ready = "true";
  }

  function onScreenCount(onScreen) {
    var c = 0;
    for (var i = 0; i < N; i++) { c += onScreen[i]; }
    return c;
  }

  function crosses(e) {
    // an edge whose two ends are off screen may still cross it
    var a = nodes[e[0]], b = nodes[e[1]];
    var x0 = Math.min(sx(a.x), sx(b.x)), x1 = Math.max(sx(a.x), sx(b.x));
    var y0 = Math.min(sy(a.y), sy(b.y)), y1 = Math.max(sy(a.y), sy(b.y));
    return x1 >= 0 && x0 <= width && y1 >= 0 && y0 <= height;
  }

  function ring(i, color, lineWidth) {
    if (i < 0 || !visible(i)) { return; }
    var n = nodes[i];
    ctx.beginPath();
    shapePath(ctx, kinds[n.k].shape, sx(n.x), sy(n.y), screenRadius(n) + 3 + lineWidth / 2);
    ctx.lineWidth = lineWidth;
    ctx.strokeStyle = color;
    ctx.stroke();
  }

  function drawArrows(onScreen, near, focus, lineScale) {
    var size = Math.min(9, Math.max(4, view.k * 0.22));
    edgeKinds.forEach(function (ek, kindIndex) {
      ctx.beginPath();
      var any = false;
      for (var j = 0; j < edges.length; j++) {
        var e = edges[j];
        if (e[2] !== kindIndex || !onScreen[e[1]] || !visible(e[0])) { continue; }
        var a = nodes[e[0]], b = nodes[e[1]];
        var x0 = sx(a.x), y0 = sy(a.y), x1 = sx(b.x), y1 = sy(b.y);
        var dx = x1 - x0, dy = y1 - y0, len = Math.sqrt(dx * dx + dy * dy);
        var r = screenRadius(b) + 2;
        if (len < r + size * 2) { continue; }
        var ux = dx / len, uy = dy / len;
        var tx = x1 - ux * r, ty = y1 - uy * r;
        ctx.moveTo(tx, ty);
        ctx.lineTo(tx - ux * size - uy * size * 0.5, ty - uy * size + ux * size * 0.5);
        ctx.lineTo(tx - ux * size + uy * size * 0.5, ty - uy * size - ux * size * 0.5);
        ctx.closePath();
        any = true;
      }
      if (any) {
        ctx.globalAlpha = near ? 0.15 : Math.min(1, ek.alpha + 0.25);
        ctx.fillStyle = ek.color;
        ctx.fill();
      }
    });
    ctx.globalAlpha = 1;
  }

  function drawLabels(onScreen, near, focus) {
    var candidates = [];
    for (var i = 0; i < N; i++) {
      if (!onScreen[i]) { continue; }
      var n = nodes[i], r = screenRadius(n);
      var priority;
      if (i === found || i === selected || i === hover) { priority = 3; }
      else if (near && near[i]) { priority = 2; }
      else if (near) { continue; }
      else { priority = 0; }
      if (priority === 0 && r < 3.2 && view.k < 10) { continue; }
      candidates.push([i, priority, r]);
    }
    candidates.sort(function (a, b) { return (b[1] - a[1]) || (b[2] - a[2]) || (degree[b[0]] - degree[a[0]]) || (a[0] - b[0]); });
    var limit = Math.max(15, Math.round(width * height / 11000));
    var placed = [];
    var cell = 64;
    var grid = {};
    // a box is [x0, y0, x1, y1, small node?]; the labels of hubs may cover small nodes
    function free(box, overSmallNodes) {
      for (var gx = Math.floor(box[0] / cell); gx <= Math.floor(box[2] / cell); gx++) {
        for (var gy = Math.floor(box[1] / cell); gy <= Math.floor(box[3] / cell); gy++) {
          var bucket = grid[gx + "," + gy];
          if (!bucket) { continue; }
          for (var q = 0; q < bucket.length; q++) {
            var o = bucket[q];
            if (overSmallNodes && o[4]) { continue; }
            if (box[0] < o[2] && box[2] > o[0] && box[1] < o[3] && box[3] > o[1]) { return false; }
          }
        }
      }
      return true;
    }
    function take(box) {
      for (var gx = Math.floor(box[0] / cell); gx <= Math.floor(box[2] / cell); gx++) {
        for (var gy = Math.floor(box[1] / cell); gy <= Math.floor(box[3] / cell); gy++) {
          (grid[gx + "," + gy] = grid[gx + "," + gy] || []).push(box);
        }
      }
    }
    if (candidates.length) {
      // keep labels off the nodes; in a crowded view only off the big ones (labels have a halo)
      var crowded = onScreenCount(onScreen) > 400;
      for (var m = 0; m < N; m++) {
        if (!onScreen[m] || (crowded && screenRadius(nodes[m]) < 8)) { continue; }
        var rr = screenRadius(nodes[m]) * 0.9, mx = sx(nodes[m].x), my = sy(nodes[m].y);
        take([mx - rr, my - rr, mx + rr, my + rr, rr < 7]);
      }
    }
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    var drawn = 0;
    var hubs = Math.max(8, Math.round(limit / 5));
    for (var c = 0; c < candidates.length && drawn < limit; c++) {
      var idx = candidates[c][0], node = nodes[idx], strong = candidates[c][1] >= 3;
      var hub = c < hubs || candidates[c][1] > 0;
      ctx.font = strong ? LABEL_FONT_BOLD : LABEL_FONT;
      var text = strong ? node.l : node.short;
      if (strong && text.length > 80) { text = shorten(text, 80); }
      var w = ctx.measureText(text).width;
      var rad = screenRadius(node);
      var cx = sx(node.x), cy = sy(node.y);
      // right of the node, else left, below, above; the strongest labels go right regardless
      var spots = [[cx + rad + 4, cy], [cx - rad - 4 - w, cy], [cx - w / 2, cy + rad + 10], [cx - w / 2, cy - rad - 10]];
      var x = null, y = null, box = null;
      for (var s2 = 0; s2 < spots.length; s2++) {
        var trial = [spots[s2][0] - 2, spots[s2][1] - 8, spots[s2][0] + w + 2, spots[s2][1] + 8];
        if (free(trial, hub)) { x = spots[s2][0]; y = spots[s2][1]; box = trial; break; }
      }
      if (box === null) {
        if (!strong) { continue; }
        x = spots[0][0]; y = spots[0][1]; box = [x - 2, y - 8, x + w + 2, y + 8];
      }
      take(box);
      placed.push(box);
      ctx.lineWidth = 3.5;
      ctx.strokeStyle = "rgba(255,255,255,0.92)";
      ctx.strokeText(text, x, y);
      ctx.fillStyle = strong ? "#111722" : "#2a3140";
      ctx.fillText(text, x, y);
      drawn++;
    }
  }

  // --- hit testing and interaction -----------------------------------------------------------------

  function nodeAt(px, py) {
    var best = -1, bestDistance = Infinity;
    for (var t = drawOrder.length - 1; t >= 0; t--) {
      var i = drawOrder[t];
      if (!visible(i)) { continue; }
      var n = nodes[i];
      var dx = sx(n.x) - px, dy = sy(n.y) - py;
      var d = Math.sqrt(dx * dx + dy * dy);
      var reach = screenRadius(n) * 1.25 + 3;
      if (d <= reach && d - reach < bestDistance) { best = i; bestDistance = d - reach; }
    }
    return best;
  }

  function pointer(event) {
    var rect = canvas.getBoundingClientRect();
    return [event.clientX - rect.left, event.clientY - rect.top];
  }

  var drag = null;
  canvas.addEventListener("pointerdown", function (event) {
    if (event.button !== 0) { return; }
    var p = pointer(event);
    var i = nodeAt(p[0], p[1]);
    drag = { node: i, x: p[0], y: p[1], viewX: view.x, viewY: view.y, moved: false };
    canvas.setPointerCapture(event.pointerId);
    canvas.classList.add("dragging");
    animation = null;
  });
  canvas.addEventListener("pointermove", function (event) {
    var p = pointer(event);
    if (drag) {
      if (Math.abs(p[0] - drag.x) + Math.abs(p[1] - drag.y) > 3) { drag.moved = true; }
      if (!drag.moved) { return; }
      if (drag.node >= 0) {
        nodes[drag.node].x = wx(p[0]);
        nodes[drag.node].y = wy(p[1]);
      } else {
        view = { x: drag.viewX - (p[0] - drag.x) / view.k, y: drag.viewY - (p[1] - drag.y) / view.k, k: view.k };
      }
      hideTooltip();
      schedule();
      return;
    }
    var i = nodeAt(p[0], p[1]);
    if (i !== hover) {
      hover = i;
      canvas.classList.toggle("over-node", i >= 0);
      schedule();
    }
    if (i >= 0) { showTooltip(i, p); } else { hideTooltip(); }
  });
  canvas.addEventListener("pointerup", function (event) {
    if (!drag) { return; }
    var d = drag;
    drag = null;
    canvas.classList.remove("dragging");
    if (!d.moved) {
      if (d.node >= 0) { select(d.node); } else { select(-1); }
    }
    schedule();
  });
  canvas.addEventListener("pointerleave", function () {
    if (!drag && hover >= 0) { hover = -1; hideTooltip(); schedule(); }
  });
  canvas.addEventListener("dblclick", function (event) {
    var p = pointer(event);
    var i = nodeAt(p[0], p[1]);
    if (i >= 0) { openPage(i); } else { zoomAt(p[0], p[1], 2); }
  });
  canvas.addEventListener("wheel", function (event) {
    event.preventDefault();
    var p = pointer(event);
    var step = event.deltaMode === 1 ? event.deltaY * 0.05 : event.deltaY * 0.0016;
    zoomAt(p[0], p[1], Math.exp(-step));
  }, { passive: false });

  document.addEventListener("keydown", function (event) {
    var typing = document.activeElement === searchInput;
    if (event.key === "/" && !typing) { event.preventDefault(); searchInput.focus(); searchInput.select(); return; }
    if (typing) { return; }
    if (event.key === "Escape") { select(-1); found = -1; schedule(); }
    else if (event.key === "f" || event.key === "F") { fit(true); }
    else if (event.key === "+" || event.key === "=") { zoomAt(width / 2, height / 2, 1.4); }
    else if (event.key === "-") { zoomAt(width / 2, height / 2, 1 / 1.4); }
  });
  document.getElementById("fit").addEventListener("click", function () { fit(true); });

  function safeUrl(url) {
    return typeof url === "string" && /^https:\/\/[^\s"<>]+$/.test(url) ? url : null;
  }

  function openPage(i) {
    var url = safeUrl(nodes[i].u);
    if (url) { window.open(url, "_blank", "noopener,noreferrer"); }
  }

  // --- tooltip and details -------------------------------------------------------------------------

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) { e.className = className; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function showTooltip(i, p) {
    var n = nodes[i], kind = kinds[n.k];
    tooltip.textContent = "";
    tooltip.appendChild(el("b", null, n.l));
    tooltip.appendChild(el("div", "k", kind.label + (n.c ? " \u00b7 " + n.c : "")));
    (n.i || []).slice(0, 4).forEach(function (pair) {
      var line = el("div", null, null);
      line.appendChild(el("span", "k", pair[0] + ": "));
      line.appendChild(document.createTextNode(shorten(pair[1], 120)));
      tooltip.appendChild(line);
    });
    tooltip.appendChild(el("div", "hint", "Click for details" + (safeUrl(n.u) ? " \u00b7 double-click opens " + n.site : "")));
    tooltip.hidden = false;
    var tw = tooltip.offsetWidth, th = tooltip.offsetHeight;
    var x = p[0] + 16, y = p[1] + 16;
    if (x + tw > width - 8) { x = p[0] - tw - 12; }
    if (y + th > height - 8) { y = p[1] - th - 12; }
    tooltip.style.left = Math.max(4, x) + "px";
    tooltip.style.top = Math.max(4, y) + "px";
  }

  function hideTooltip() { tooltip.hidden = true; }

  function select(i) {
    selected = i;
    if (i < 0) { details.hidden = true; schedule(); return; }
    var n = nodes[i], kind = kinds[n.k];
    details.textContent = "";
    var close = el("button", "close", "\u00d7");
    close.type = "button";
    close.title = "Close (Esc)";
    close.addEventListener("click", function () { select(-1); });
    details.appendChild(close);
    details.appendChild(el("h2", null, n.l));
    details.appendChild(el("div", "kindline", kind.label + (n.c ? " \u00b7 " + n.c : "")));
    var url = safeUrl(n.u);
    if (url) {
      var a = el("a", "open", "Open on " + n.site + " \u2197");
      a.href = url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      details.appendChild(a);
    }
    var dl = el("dl");
    (n.i || []).forEach(function (pair) {
      dl.appendChild(el("dt", null, pair[0]));
      dl.appendChild(el("dd", null, pair[1]));
    });
    dl.appendChild(el("dt", null, "IRI"));
    dl.appendChild(el("dd", null, n.iri));
    dl.appendChild(el("dt", null, "connections"));
    dl.appendChild(el("dd", null, String(degree[i])));
    details.appendChild(dl);
    // neighbours, grouped by edge kind and direction
    var groups = {};
    incident[i].forEach(function (j) {
      var e = edges[j], out = e[0] === i, other = out ? e[1] : e[0];
      var key = e[2] + (out ? ":out" : ":in");
      (groups[key] = groups[key] || []).push([other, e[3] || ""]);
    });
    Object.keys(groups).sort().forEach(function (key) {
      var parts = key.split(":"), ek = edgeKinds[+parts[0]];
      var list = groups[key].sort(function (a, b) { return nodes[a[0]].l.localeCompare(nodes[b[0]].l); });
      details.appendChild(el("h3", null, (parts[1] === "out" ? ek.out : ek["in"]) + " (" + list.length + ")"));
      var ul = el("ul");
      list.slice(0, 100).forEach(function (item) {
        var li = el("li");
        var b = el("button", null, nodes[item[0]].l);
        b.type = "button";
        b.addEventListener("click", function () { select(item[0]); centreOn(item[0]); });
        li.appendChild(b);
        if (item[1]) { li.appendChild(el("span", "info", " \u2014 " + item[1])); }
        ul.appendChild(li);
      });
      if (list.length > 100) { ul.appendChild(el("li", "info", "\u2026 and " + (list.length - 100) + " more")); }
      details.appendChild(ul);
    });
    details.hidden = false;
    if (hiddenKinds[n.k]) { toggleKind(n.k, true); }
    schedule();
  }

  // --- search --------------------------------------------------------------------------------------

  function normalise(text) { return String(text || "").toLowerCase().replace(/\s+/g, " ").trim(); }

  function matches(text, limit) {
    var q = normalise(text);
    if (!q) { return []; }
    var scored = [];
    for (var i = 0; i < N; i++) {
      var n = nodes[i], label = n.l.toLowerCase(), score = -1;
      if (label === q || n.id.toLowerCase() === q || (n.c && n.c.toLowerCase() === q)) { score = 0; }
      else if (label.indexOf(q) === 0) { score = 1; }
      else if ((" " + n.hay).indexOf(" " + q) >= 0 || (":" + n.hay).indexOf(":" + q) >= 0) { score = 2; }
      else if (label.indexOf(q) >= 0) { score = 3; }
      else if (n.hay.indexOf(q) >= 0) { score = 4; }
      if (score >= 0) { scored.push([score, i]); }
    }
    scored.sort(function (a, b) { return (a[0] - b[0]) || (degree[b[1]] - degree[a[1]]) || nodes[a[1]].l.localeCompare(nodes[b[1]].l); });
    return scored.slice(0, limit || 12).map(function (s) { return s[1]; });
  }

  function search(text) {
    var found_ = matches(text, 1);
    if (!found_.length) {
      found = -1;
      document.body.dataset.found = "";
      schedule();
      return null;
    }
    found = found_[0];
    if (hiddenKinds[nodes[found].k]) { toggleKind(nodes[found].k, true); }
    document.body.dataset.found = nodes[found].id;
    centreOn(found);
    return nodes[found].id;
  }

  var activeResult = 0;
  function showResults() {
    var list = matches(searchInput.value, 12);
    resultsList.textContent = "";
    activeResult = 0;
    if (!normalise(searchInput.value)) { resultsList.hidden = true; return; }
    if (!list.length) {
      resultsList.appendChild(el("li", "empty", "Nothing matches"));
    }
    list.forEach(function (i, position) {
      var li = el("li");
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", position === 0 ? "true" : "false");
      li.dataset.index = String(i);
      li.appendChild(el("span", null, shorten(nodes[i].l, 48)));
      li.appendChild(el("span", "kind", kinds[nodes[i].k].label + (nodes[i].c ? " \u00b7 " + nodes[i].c : "")));
      li.addEventListener("mousedown", function (event) {
        event.preventDefault();
        choose(i);
      });
      resultsList.appendChild(li);
    });
    resultsList.hidden = false;
  }

  function choose(i) {
    found = i;
    document.body.dataset.found = nodes[i].id;
    resultsList.hidden = true;
    select(i);
    centreOn(i);
  }

  searchInput.addEventListener("input", function () {
    showResults();
    search(searchInput.value);
  });
  searchInput.addEventListener("keydown", function (event) {
    var items = resultsList.querySelectorAll("li[data-index]");
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!items.length) { return; }
      activeResult = (activeResult + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
      items.forEach(function (li, k) { li.setAttribute("aria-selected", k === activeResult ? "true" : "false"); });
      var i = +items[activeResult].dataset.index;
      found = i;
      document.body.dataset.found = nodes[i].id;
      centreOn(i);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (items.length) { choose(+items[activeResult].dataset.index); }
    } else if (event.key === "Escape") {
      resultsList.hidden = true;
      searchInput.blur();
    }
  });
  searchInput.addEventListener("blur", function () { resultsList.hidden = true; });
  searchInput.addEventListener("focus", function () { if (normalise(searchInput.value)) { showResults(); } });

  // --- legend --------------------------------------------------------------------------------------

  var legend = document.getElementById("legend");
  var kindRows = [];

  function toggleKind(k, on) {
    if (on) { delete hiddenKinds[k]; } else { hiddenKinds[k] = true; }
    kindRows[k].classList.toggle("off", !on);
    kindRows[k].querySelector("input").checked = on;
    if (!on && selected >= 0 && nodes[selected].k === k) { select(-1); }
    schedule();
  }

  function buildLegend() {
    legend.appendChild(el("h2", null, "Nodes"));
    kinds.forEach(function (kind, k) {
      var row = el("label");
      var box = el("input");
      box.type = "checkbox";
      box.checked = true;
      box.addEventListener("change", function () { toggleKind(k, box.checked); });
      var swatch = document.createElement("canvas");
      var ratio = window.devicePixelRatio || 1;
      swatch.width = 16 * ratio; swatch.height = 16 * ratio;
      swatch.style.width = "16px"; swatch.style.height = "16px";
      var sc = swatch.getContext("2d");
      sc.scale(ratio, ratio);
      sc.beginPath();
      shapePath(sc, kind.shape, 8, 8, 5.5);
      sc.fillStyle = kind.color;
      sc.fill();
      row.appendChild(box);
      row.appendChild(swatch);
      row.appendChild(el("span", null, kind.plural));
      row.appendChild(el("span", "count", kind.count.toLocaleString("en")));
      row.title = "Show or hide " + kind.plural.toLowerCase();
      legend.appendChild(row);
      kindRows.push(row);
    });
    legend.appendChild(el("h2", null, "Links"));
    edgeKinds.forEach(function (ek) {
      var row = el("div", "edge");
      var line = el("span", "swatch-line");
      line.style.borderColor = ek.color;
      row.appendChild(line);
      row.appendChild(el("span", null, ek.label));
      legend.appendChild(row);
    });
    legend.appendChild(el("div", "hint", "Wheel to zoom \u00b7 drag to pan or move a node \u00b7 click a node for details \u00b7 double-click opens its page \u00b7 / to search"));
  }

  // --- start ---------------------------------------------------------------------------------------

  document.getElementById("title").textContent = data.title;
  document.title = data.title;
  document.getElementById("subtitle").textContent = data.subtitle;
  document.getElementById("footer").textContent = data.footer;
  buildLegend();
  resize();
  view = fitView(nodes.map(function (n) { return n.index; }));
  window.addEventListener("resize", function () { resize(); });

  window.trialgraphNetwork = {
    nodeCount: N,
    edgeCount: edges.length,
    drawnNodes: function () { return drawnNodes; },
    drawnEdges: function () { return drawnEdges; },
    search: search,
    matches: function (text) { return matches(text, 12).map(function (i) { return nodes[i].id; }); },
    select: function (id) { if (id in byId) { select(byId[id]); centreOn(byId[id]); return id; } return null; },
    selected: function () { return selected >= 0 ? nodes[selected].id : null; },
    fit: function () { fit(false); },
    view: function () { return { x: view.x, y: view.y, k: view.k }; },
    redraw: function () { draw(performance.now()); return drawnNodes; }
  };
  draw(performance.now());
}());
