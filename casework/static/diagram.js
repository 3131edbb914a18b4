/* casework: draw the workflow diagrams ([data-workflow-diagram]) with the Mermaid copy the app
 * serves. Mermaid is loaded on first need: at once for a visible diagram, when its <details> is
 * opened for a collapsed one. Edges whose label starts with "▶" are the triggers the user may
 * fire now: they are coloured too. No inline script anywhere (the CSP forbids it). */
(function () {
  "use strict";
  var me = document.currentScript;
  var MERMAID_SRC = me.dataset.mermaid;
  var ERROR_TEXT = me.dataset.error || "The diagram could not be drawn.";
  var MARK = "\u25B6";
  var loading = null;
  var counter = 0;

  if (window.__caseworkDiagram) { return; }   // included twice: once is enough
  window.__caseworkDiagram = true;

  function loadMermaid() {
    if (window.mermaid) { return Promise.resolve(window.mermaid); }
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = MERMAID_SRC;
        script.onload = function () { resolve(window.mermaid); };
        script.onerror = function () { reject(new Error("mermaid did not load")); };
        document.head.appendChild(script);
      }).then(function (mermaid) {
        var font = window.getComputedStyle(document.body).fontFamily;
        mermaid.initialize({
          startOnLoad: false,
          securityLevel: "strict",
          theme: "base",
          fontFamily: font,
          themeVariables: {
            fontFamily: font,
            fontSize: "14px",
            primaryColor: "#ffffff",
            primaryBorderColor: "#8a99ad",
            primaryTextColor: "#1f2933",
            lineColor: "#5b6b7f",
            edgeLabelBackground: "#ffffff",
            clusterBkg: "#f5f7fa",
            clusterBorder: "#c3ccd8",
            compositeBackground: "#f5f7fa",
            compositeTitleBackground: "#e3e8ef",
            compositeBorder: "#c3ccd8",
            noteBkgColor: "#fff8e1",
            noteBorderColor: "#e0c36a",
            noteTextColor: "#1f2933"
          },
          themeCSS: [
            ".cw-allowed { stroke: #198754 !important; stroke-width: 2.5px !important; }",
            ".cw-allowed-label, .cw-allowed-label p, .cw-allowed-label span {",
            "  color: #0f5132 !important; background-color: #d1e7dd !important; }",
            ".cw-allowed-label rect { fill: #d1e7dd !important; }",
            ".edgeLabel, .edgeLabel p { background-color: #ffffff; }"
          ].join("\n"),
          state: { useMaxWidth: false, nodeSpacing: 50, rankSpacing: 50 }
        });
        return mermaid;
      });
    }
    return loading;
  }

  function markAllowed(svg) {
    svg.querySelectorAll(".edgeLabel").forEach(function (label) {
      if ((label.textContent || "").trim().indexOf(MARK) !== 0) { return; }
      label.classList.add("cw-allowed-label");
      var inner = label.querySelector("[data-id]");
      var id = inner && inner.getAttribute("data-id");
      if (!id) { return; }
      svg.querySelectorAll('path[data-id="' + id + '"]').forEach(function (path) {
        path.classList.add("cw-allowed");
      });
    });
    svg.querySelectorAll(".note, .statediagram-note").forEach(function (note) {
      if ((note.textContent || "").trim().indexOf(MARK) === 0) {
        note.classList.add("cw-allowed-label");
      }
    });
  }

  // when the canvas scrolls sideways: centre the case's state; with none, scroll just enough
  // to show the first state (the main line runs down from it)
  function showCurrent(canvas, svg) {
    if (canvas.scrollWidth <= canvas.clientWidth) { return; }
    var frame = canvas.getBoundingClientRect();
    var current = svg.querySelector(".node.s_current");
    if (current) {
      var box = current.getBoundingClientRect();
      canvas.scrollLeft += (box.left + box.width / 2) - (frame.left + frame.width / 2);
      return;
    }
    var first = svg.querySelector(".node.statediagram-state");
    if (first) {
      var edge = first.getBoundingClientRect().right + 12 - frame.right;
      if (edge > 0) { canvas.scrollLeft += edge; }
    }
  }

  function draw(figure) {
    if (figure.dataset.drawn) { return; }
    figure.dataset.drawn = "1";
    var canvas = figure.querySelector(".workflow-diagram-canvas");
    var source = figure.querySelector("[data-diagram-source]").textContent;
    loadMermaid().then(function (mermaid) {
      counter += 1;
      return mermaid.render("cw-diagram-" + counter, source);
    }).then(function (result) {
      canvas.innerHTML = result.svg;
      var svg = canvas.querySelector("svg");
      if (svg) {
        markAllowed(svg);
        svg.style.display = "block";
        svg.style.margin = "0 auto";
        svg.style.height = "auto";
        // at its own size when there is room; scaled down to the width available, but to no
        // less than 80 % so that the labels stay readable (the canvas then scrolls sideways)
        var natural = parseFloat(svg.getAttribute("width")) ||
          (svg.viewBox && svg.viewBox.baseVal ? svg.viewBox.baseVal.width : 0);
        if (natural) {
          svg.setAttribute("width", "100%");
          svg.removeAttribute("height");
          svg.style.maxWidth = natural + "px";
          svg.style.minWidth = Math.round(natural * 0.8) + "px";
        }
        showCurrent(canvas, svg);
      }
    }).catch(function (error) {
      canvas.innerHTML = "";
      var p = document.createElement("p");
      p.className = "text-danger small mb-0";
      p.textContent = ERROR_TEXT;
      canvas.appendChild(p);
      if (window.console) { window.console.error(error); }
    });
  }

  function start() {
    document.querySelectorAll("[data-workflow-diagram]").forEach(function (figure) {
      var details = figure.closest("details");
      if (!details || details.open) {
        draw(figure);
        return;
      }
      details.addEventListener("toggle", function () {
        if (details.open) { draw(figure); }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
