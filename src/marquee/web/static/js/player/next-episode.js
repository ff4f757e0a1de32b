// The next-episode prompt: near the end of an episode (the last min(20 s, 15 %)), offer the
// next one; when this one ends, count down 8 s and go on unless the viewer keeps watching.
(function () {
  "use strict";

  const P = window.marqueePlayer;
  const video = P.video;
  const href = P.cfg.nextHref;
  if (!href) return; // a film, or the last episode: the page renders no prompt
  const NEXT_LEAD_S = 20; // how long before the end the prompt appears (less for short items)
  const NEXT_COUNTDOWN_S = 8;
  const next = { shown: false, dismissed: false, timer: null };

  function nearTheEnd() {
    const d = video.duration;
    if (next.dismissed || !isFinite(d) || d <= 0) return false;
    return d - video.currentTime <= Math.min(NEXT_LEAD_S, d * 0.15);
  }

  function showNext() {
    if (next.shown) return;
    next.shown = true;
    P.$("next-up").hidden = false;
  }

  function hideNext() {
    next.dismissed = true;
    clearInterval(next.timer);
    P.$("next-up").hidden = true;
  }

  function countdownToNext() {
    if (next.dismissed) return;
    showNext();
    let left = NEXT_COUNTDOWN_S;
    const label = P.$("next-countdown");
    label.textContent = `Starts in ${left} s`;
    next.timer = setInterval(() => {
      left -= 1;
      label.textContent = `Starts in ${left} s`;
      if (left <= 0) {
        clearInterval(next.timer);
        location.assign(href);
      }
    }, 1000);
  }

  video.addEventListener("timeupdate", () => { if (nearTheEnd()) showNext(); });
  video.addEventListener("ended", countdownToNext);
  P.$("next-dismiss").addEventListener("click", hideNext);
})();
