// Names every slider handle inside a bpwidgets panel after its slider's description.
// ipywidgets draws sliders with noUiSlider, whose handle (role="slider") has no accessible
// name: the description <label> is not tied to it. This points each handle's aria-labelledby
// at that label (given an id), so screen readers announce the description, and keeps newly
// drawn handles named. Installed once per page; fixed text, no data from the kernel.
(function () {
  "use strict";
  if (window.bpwidgetsSliderNames) { return; }
  window.bpwidgetsSliderNames = true;
  var HANDLE = ".bpwidgets-panel .noUi-handle:not([aria-labelledby])";
  var made = 0;
  function nameHandle(handle) {
    var slider = handle.closest(".widget-slider");
    var label = slider && slider.querySelector(":scope > .widget-label");
    if (!label) { return; }
    if (!label.id) { label.id = "bpwidgets-slider-label-" + (++made); }
    handle.setAttribute("aria-labelledby", label.id);
  }
  function nameAll() {
    document.querySelectorAll(HANDLE).forEach(nameHandle);
  }
  new MutationObserver(function (records) {
    for (var i = 0; i < records.length; i++) {
      var added = records[i].addedNodes;
      for (var j = 0; j < added.length; j++) {
        var node = added[j];
        if (node.nodeType === 1 && (node.matches(".noUi-handle") ||
                                    node.querySelector(".noUi-handle") !== null)) {
          nameAll();
          return;
        }
      }
    }
  }).observe(document.body, {childList: true, subtree: true});
  nameAll();
})();
