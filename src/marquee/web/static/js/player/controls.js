// The player's controls: buttons, the seek bar and time, the idle fade, and the keyboard
// (space/k play-pause, arrows or j/l seek 10 s, f full screen, m mute, c captions). Keys typed
// into menus, links and buttons keep their normal meaning.
(function () {
  "use strict";

  const P = window.marqueePlayer;
  const video = P.video;
  const $ = P.$;
  const SEEK_STEP_S = 10;

  function togglePlay() {
    if (!P.state.session) return;
    if (video.paused || video.ended) video.play().catch(() => { $("big-play").hidden = false; });
    else video.pause();
  }

  function seekBy(seconds) {
    const end = Number.isFinite(video.duration) ? video.duration : video.currentTime + seconds;
    video.currentTime = Math.min(Math.max(video.currentTime + seconds, 0), end);
    P.announce(`${seconds > 0 ? "Forward" : "Back"} ${Math.abs(seconds)} seconds`);
  }

  function toggleMute() {
    video.muted = !video.muted;
  }

  function toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else if (P.root.requestFullscreen) P.root.requestFullscreen().catch(() => {});
  }

  function setPlayIcon(playing) {
    const button = $("play-toggle");
    button.querySelector("use").setAttribute("href", playing ? "#i-pause" : "#i-play");
    button.setAttribute("aria-label", playing ? "Pause (k)" : "Play (k)");
  }

  function clock(seconds) {
    const s = Math.max(Math.floor(seconds || 0), 0);
    const h = Math.floor(s / 3600);
    const mm = String(Math.floor((s % 3600) / 60));
    const ss = String(s % 60).padStart(2, "0");
    return h ? `${h}:${mm.padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
  }

  function updateTime() {
    const seek = $("seek");
    const duration = Number.isFinite(video.duration) ? video.duration : 0;
    seek.max = String(Math.floor(duration));
    if (document.activeElement !== seek) seek.value = String(Math.floor(video.currentTime));
    seek.setAttribute("aria-valuetext", `${clock(video.currentTime)} of ${clock(duration)}`);
    $("time").textContent = `${clock(video.currentTime)} / ${clock(duration)}`;
  }

  // The controls fade while the video plays untouched; a key, the mouse or focus wakes them.
  let idleTimer = null;
  function wake() {
    P.root.classList.remove("is-idle");
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => { if (!video.paused) P.root.classList.add("is-idle"); }, 3000);
  }

  const KEYS = {
    " ": togglePlay,
    k: togglePlay,
    ArrowLeft: () => seekBy(-SEEK_STEP_S),
    ArrowRight: () => seekBy(SEEK_STEP_S),
    j: () => seekBy(-SEEK_STEP_S),
    l: () => seekBy(SEEK_STEP_S),
    f: toggleFullscreen,
    m: toggleMute,
    c: () => P.toggleCaptions(),
  };

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    const tag = target.tagName;
    // Menus, links and buttons keep their own keys (space presses a focused button).
    if (tag === "SELECT" || tag === "TEXTAREA" || (tag === "INPUT" && target.type !== "range")) return;
    if ((tag === "BUTTON" || tag === "A") && (event.key === " " || event.key === "Enter")) return;
    if (tag === "INPUT" && event.key.startsWith("Arrow")) return;
    const action = KEYS[event.key.length === 1 ? event.key.toLowerCase() : event.key];
    if (!action) return;
    event.preventDefault();
    wake();
    action();
  }

  video.addEventListener("playing", () => {
    P.busy(false);
    $("big-play").hidden = true;
    setPlayIcon(true);
  });
  video.addEventListener("waiting", () => P.busy(true));
  video.addEventListener("pause", () => setPlayIcon(false));
  video.addEventListener("seeked", () => P.busy(false));
  video.addEventListener("timeupdate", updateTime);
  video.addEventListener("durationchange", updateTime);
  video.addEventListener("volumechange", () => {
    $("mute").querySelector("use").setAttribute("href", video.muted ? "#i-muted" : "#i-volume");
    $("mute").setAttribute("aria-label", video.muted ? "Unmute (m)" : "Mute (m)");
  });
  video.addEventListener("click", togglePlay);
  document.addEventListener("keydown", onKey);
  $("play-toggle").addEventListener("click", togglePlay);
  $("big-play").addEventListener("click", togglePlay);
  $("back10").addEventListener("click", () => seekBy(-SEEK_STEP_S));
  $("fwd10").addEventListener("click", () => seekBy(SEEK_STEP_S));
  $("mute").addEventListener("click", toggleMute);
  $("fullscreen").addEventListener("click", toggleFullscreen);
  $("seek").addEventListener("change", (event) => { video.currentTime = Number(event.target.value); });
  P.root.addEventListener("mousemove", wake);
  P.root.addEventListener("focusin", wake);
})();
