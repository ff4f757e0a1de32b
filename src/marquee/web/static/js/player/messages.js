// The player's messages: a refused start (too many screens, maturity, no plan, country, not yet
// playable) or a stopped stream becomes a sentence with actions; the first action gets focus.
(function () {
  "use strict";

  const P = window.marqueePlayer;

  function explain(status, problem) {
    P.busy(false);
    const detail = problem.detail || "";
    const back = ["Back to the title", P.cfg.back];
    const retry = ["Try again", () => location.reload()];
    if (status === 409 && /not yet playable|no rendition/i.test(detail)) {
      return showMessage("This title isn't ready to play yet", detail, [back]);
    }
    if (status === 409) {
      return showMessage("Too many screens at once", detail ||
        "Your plan's streams are all in use. Stop watching on another device and try again.",
        [retry, back]);
    }
    if (status === 402 || (status === 403 && /subscri|plan/i.test(detail))) {
      return showMessage("Your plan does not include this right now",
        "Playback needs an active subscription or trial. Check your plan and payment details.",
        [back]);
    }
    if (status === 403 && /maturity|kids|rated/i.test(detail)) {
      return showMessage("Not available on this profile", detail, [["Switch profile", "/profiles"], back]);
    }
    if (status === 403) return showMessage("You can't watch this here", detail, [back]);
    if (status === 404) return showMessage("This title isn't ready to play yet", detail, [back]);
    if (status === -1) {
      return showMessage("This browser can't play our streams",
        "Try a recent version of Chrome, Firefox, Edge or Safari.", [back]);
    }
    return showMessage("We couldn't start playback", detail || "Please try again in a moment.",
      [retry, back]);
  }

  // actions: [label, href] for a link or [label, function] for a button; the first is primary.
  function showMessage(title, detail, actions) {
    P.$("message-title").textContent = title;
    P.$("message-detail").textContent = detail;
    const box = P.$("message-actions");
    box.replaceChildren();
    for (const [label, action] of actions) {
      const el = document.createElement(typeof action === "string" ? "a" : "button");
      el.textContent = label;
      el.className = "button " + (box.children.length ? "button-secondary" : "button-primary");
      if (typeof action === "string") el.href = action;
      else { el.type = "button"; el.addEventListener("click", action); }
      box.appendChild(el);
    }
    P.root.classList.add("has-message");
    P.$("player-message").hidden = false;
    const first = box.querySelector("a, button");
    if (first) first.focus();
  }

  P.video.addEventListener("ended", () => {
    showMessage("Finished", "", [["Back to the title", P.cfg.back], ["Browse", "/browse"]]);
  });

  P.explain = explain;
  P.showMessage = showMessage;
})();
