// Small progressive enhancements for the site's pages (everything works without them).
(function () {
  "use strict";
  // Onboarding: say how many titles are picked as the boxes are ticked.
  const count = document.getElementById("pick-count");
  if (count) {
    const boxes = document.querySelectorAll(".pick-input");
    const update = () => {
      count.textContent = String(document.querySelectorAll(".pick-input:checked").length);
    };
    boxes.forEach((box) => box.addEventListener("change", update));
    update();
  }
})();
