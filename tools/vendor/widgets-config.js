// Loaded after require.js and before the ipywidgets embedder (embed-amd.js); see nb_ipywidgets_js in
// _config.yml. Two adjustments for a site that works offline and keeps a clean console:
(function () {
  // 1. The embedder finds its fonts relative to its own AMD module URL, "@jupyter-widgets/html-manager/
  //    dist/..."; mapping that module path to this directory makes them come from the site, not a CDN.
  var src = document.currentScript && document.currentScript.src;
  if (src && typeof window.require === "function") {
    window.require.config({paths: {"@jupyter-widgets/html-manager/dist": src.slice(0, src.lastIndexOf("/"))}});
  }
  // 2. ipywidgets typesets widget labels with the MathJax 2 API (MathJax.Hub.Queue), which MathJax 3 does
  //    not have ("Cannot read properties of undefined (reading 'Queue')"). Give every MathJax object, the
  //    configuration and the one MathJax 3 installs when it loads, a Hub.Queue that uses MathJax 3.
  var hub = {
    Queue: function () {
      var elements = [];
      Array.prototype.forEach.call(arguments, function (job) {
        if (Array.isArray(job) && job[0] === "Typeset" && job[2]) elements.push(job[2]);
      });
      var mj = window.MathJax;
      if (elements.length && mj && mj.startup && mj.startup.promise && mj.typesetPromise) {
        mj.startup.promise.then(function () { return mj.typesetPromise(elements); })
          .catch(function (e) { console.warn("MathJax could not typeset a widget label:", e); });
      }
    }
  };
  var current = window.MathJax;
  if (current && !current.Hub) current.Hub = hub;
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () { return current; },
    set: function (value) {
      current = value;
      if (value && typeof value === "object" && !value.Hub) value.Hub = hub;
    }
  });
})();
