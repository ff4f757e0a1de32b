// Marquee's player: starts a playback session through the API, plays its signed master playlist
// with hls.js, and reports heartbeats with quality-of-experience figures until the page goes.
(function () {
  "use strict";

  const root = document.getElementById("player");
  const video = document.getElementById("video");
  const $ = (id) => document.getElementById(id);
  const cfg = {
    titleId: Number(root.dataset.titleId),
    episodeId: root.dataset.episodeId ? Number(root.dataset.episodeId) : null,
    profileId: Number(root.dataset.profileId),
    heartbeatS: Number(root.dataset.heartbeatS) || 10,
    csrf: root.dataset.csrf,
    back: root.dataset.back,
  };
  const SEEK_STEP_S = 10;

  // What the heartbeats report; stalls and errors are those since the previous heartbeat.
  const qoe = {
    requestedAt: 0, startupMs: null, startupSent: false, stallStart: null, stalls: [], errors: [],
  };
  const MAX_ERRORS = 20; // what one heartbeat may carry
  const state = { session: null, hls: null, timer: null, stopped: false, lastTrack: 0 };

  // --- talking to the API ------------------------------------------------------------------

  function post(path, body, keepalive) {
    return fetch(path, {
      method: "POST",
      credentials: "same-origin",
      keepalive: Boolean(keepalive),
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRF-Token": cfg.csrf,
      },
      body: JSON.stringify(body || {}),
    });
  }

  // Access tokens are short-lived: on a 401, rotate the session's cookies once and retry.
  async function api(path, body) {
    let res = await post(path, body);
    if (res.status !== 401) return res;
    const refreshed = await post("/session/refresh", {});
    if (!refreshed.ok) {
      const here = location.pathname + location.search;
      location.assign("/login?next=" + encodeURIComponent(here));
      throw new Error("the session has ended");
    }
    res = await post(path, body);
    return res;
  }

  async function problemOf(res) {
    try {
      return await res.json();
    } catch (_) {
      return {};
    }
  }

  // --- starting playback -------------------------------------------------------------------

  async function start() {
    qoe.requestedAt = performance.now();
    busy(true);
    const body = { profile_id: cfg.profileId, title_id: cfg.titleId };
    if (cfg.episodeId !== null) body.episode_id = cfg.episodeId;
    let res;
    try {
      res = await api("/v1/playback", body);
    } catch (_) {
      return explain(0, {});
    }
    if (!res.ok) return explain(res.status, await problemOf(res));
    const session = sessionFrom(await res.json());
    state.session = session;
    root.dataset.sessionId = session.id;
    if (session.heartbeatS) cfg.heartbeatS = session.heartbeatS;
    attach(session);
    schedule(cfg.heartbeatS);
  }

  function schedule(seconds) {
    clearInterval(state.timer);
    cfg.heartbeatS = seconds;
    state.timer = setInterval(heartbeat, seconds * 1000);
  }

  // The one place that knows the field names of POST /v1/playback's answer.
  function sessionFrom(data) {
    return {
      id: data.session_id,
      master: data.master_url,
      resumeS: Number(data.resume_position_s) || 0,
      heartbeatS: Number(data.heartbeat_interval_s) || 0,
      heights: data.heights || [],
    };
  }

  function attach(session) {
    if (window.Hls && window.Hls.isSupported()) {
      const hls = new window.Hls({ startPosition: session.resumeS > 0 ? session.resumeS : -1 });
      state.hls = hls;
      hls.on(window.Hls.Events.MANIFEST_PARSED, onManifest);
      hls.on(window.Hls.Events.LEVEL_SWITCHED, updateQualityLabel);
      hls.on(window.Hls.Events.SUBTITLE_TRACKS_UPDATED, buildSubtitleMenu);
      hls.on(window.Hls.Events.ERROR, onHlsError);
      hls.loadSource(session.master);
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      // Safari plays HLS itself; it picks the quality, so the menu stays at Auto.
      video.src = session.master;
      video.addEventListener("loadedmetadata", () => {
        if (session.resumeS > 0) video.currentTime = session.resumeS;
        autoplay();
      }, { once: true });
    } else {
      explain(-1, {});
    }
    window.marqueePlayer = { video, session, get hls() { return state.hls; } };
  }

  function onManifest() {
    buildQualityMenu();
    buildSubtitleMenu();
    autoplay();
  }

  function autoplay() {
    video.play().catch(() => {
      // The browser wants a click before playing sound: offer the big play button.
      busy(false);
      $("big-play").hidden = false;
    });
  }

  function onHlsError(_event, data) {
    noteError(`${data.fatal ? "fatal " : ""}${data.type}: ${data.details}`);
    if (!data.fatal) return;
    const types = window.Hls.ErrorTypes;
    if (data.type === types.MEDIA_ERROR) {
      state.hls.recoverMediaError();
    } else if (data.type === types.NETWORK_ERROR && data.response && data.response.code === 403) {
      showMessage("This stream has expired", "Reload the page to keep watching.", [
        ["Reload", () => location.reload()],
      ]);
    } else if (data.type === types.NETWORK_ERROR) {
      state.hls.startLoad();
    } else {
      showMessage("Playback stopped", "Something went wrong playing this title.", [
        ["Try again", () => location.reload()],
      ]);
    }
  }

  // --- friendly refusals -------------------------------------------------------------------

  function explain(status, problem) {
    busy(false);
    const detail = problem.detail || "";
    const back = ["Back to the title", cfg.back];
    if (status === 409 && /not yet playable|no rendition/i.test(detail)) {
      return showMessage("This title isn't ready to play yet", detail, [back]);
    }
    if (status === 409) {
      return showMessage("Too many screens at once", detail ||
        "Your plan's streams are all in use. Stop watching on another device and try again.",
        [["Try again", () => location.reload()], back]);
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
      [["Try again", () => location.reload()], back]);
  }

  function showMessage(title, detail, actions) {
    $("message-title").textContent = title;
    $("message-detail").textContent = detail;
    const box = $("message-actions");
    box.replaceChildren();
    for (const [label, action] of actions) {
      const el = document.createElement(typeof action === "string" ? "a" : "button");
      el.textContent = label;
      el.className = "button " + (box.children.length ? "button-secondary" : "button-primary");
      if (typeof action === "string") el.href = action;
      else { el.type = "button"; el.addEventListener("click", action); }
      box.appendChild(el);
    }
    root.classList.add("has-message");
    $("player-message").hidden = false;
    const first = box.querySelector("a, button");
    if (first) first.focus();
  }

  // --- quality and subtitles menus ---------------------------------------------------------

  function buildQualityMenu() {
    const select = $("quality");
    const levels = state.hls.levels.map((level, index) => ({ level, index }));
    levels.sort((a, b) => (b.level.height - a.level.height) || (b.level.bitrate - a.level.bitrate));
    select.replaceChildren(new Option("Auto", "-1"));
    for (const { level, index } of levels) {
      const kbps = Math.round(level.bitrate / 1000);
      select.appendChild(new Option(`${level.height}p (${kbps} kbps)`, String(index)));
    }
    select.disabled = levels.length < 2;
    select.value = "-1";
    updateQualityLabel();
  }

  function chooseQuality(value) {
    const index = Number(value);
    // -1 hands the choice back to hls.js's bandwidth estimate (autoLevelEnabled).
    state.hls.currentLevel = index;
    announce(index === -1 ? "Quality: automatic" : `Quality: ${state.hls.levels[index].height}p`);
    updateQualityLabel();
  }

  function updateQualityLabel() {
    const hls = state.hls;
    const auto = $("quality").options[0];
    const level = hls && hls.levels[hls.currentLevel];
    auto.textContent = hls && hls.autoLevelEnabled && level ? `Auto (${level.height}p)` : "Auto";
  }

  function buildSubtitleMenu() {
    const select = $("subtitles");
    const tracks = state.hls ? state.hls.subtitleTracks : [];
    select.replaceChildren(new Option("Off", "-1"));
    tracks.forEach((track, index) => {
      select.appendChild(new Option(track.name || track.lang || `Track ${index + 1}`, String(index)));
    });
    select.disabled = tracks.length === 0;
    select.value = String(state.hls ? state.hls.subtitleTrack : -1);
  }

  function chooseSubtitles(value) {
    const index = Number(value);
    if (!state.hls) return;
    state.hls.subtitleDisplay = index !== -1;
    state.hls.subtitleTrack = index;
    if (index !== -1) state.lastTrack = index;
    $("subtitles").value = String(index);
    announce(index === -1 ? "Subtitles off" : `Subtitles: ${$("subtitles").selectedOptions[0].text}`);
  }

  function toggleCaptions() {
    if (!state.hls || state.hls.subtitleTracks.length === 0) return;
    chooseSubtitles(state.hls.subtitleTrack === -1 ? state.lastTrack : -1);
  }

  // --- heartbeats ----------------------------------------------------------------------------

  function currentBitrateKbps() {
    const hls = state.hls;
    const level = hls && hls.levels[hls.currentLevel];
    return level ? Math.round(level.bitrate / 1000) : null;
  }

  function noteError(text) {
    if (qoe.errors.length < MAX_ERRORS) qoe.errors.push(text.slice(0, 200));
  }

  // One heartbeat body (POST /v1/playback/{id}/heartbeat); takes the stalls and errors with it.
  function beat() {
    // A stall still going on is reported once it ends, so one stall is one event.
    const stalls = qoe.stalls.splice(0);
    const startup = qoe.startupSent ? null : qoe.startupMs && Math.min(qoe.startupMs, 600000);
    if (startup !== null) qoe.startupSent = true;
    return {
      position_s: Math.round(video.currentTime * 1000) / 1000,
      paused: video.paused,
      bitrate_kbps: currentBitrateKbps(),
      buffering_events: stalls.slice(0, 100).map((ms) => ({ duration_ms: Math.min(ms, 3600000) })),
      startup_ms: startup,
      errors: qoe.errors.splice(0),
    };
  }

  async function heartbeat() {
    if (!state.session || state.stopped) return;
    let res;
    try {
      res = await api(`/v1/playback/${state.session.id}/heartbeat`, beat());
    } catch (_) {
      noteError("heartbeat: network"); // offline for a moment: the next heartbeat tries again
      return;
    }
    if (res.ok) {
      const answer = await res.json();
      if (answer.next_heartbeat_s && answer.next_heartbeat_s !== cfg.heartbeatS) {
        schedule(answer.next_heartbeat_s);
      }
      if (!answer.ended) return;
    }
    if (res.ok || res.status === 404 || res.status === 409) {
      // The lease ran out (the tab slept, say): start a fresh session where we are.
      state.stopped = true;
      clearInterval(state.timer);
      showMessage("Playback paused", "This stream timed out. Continue where you left off?", [
        ["Continue", () => location.reload()],
        ["Back to the title", cfg.back],
      ]);
      video.pause();
    }
  }

  function stop() {
    if (!state.session || state.stopped) return;
    state.stopped = true;
    clearInterval(state.timer);
    // keepalive lets the request outlive the page being unloaded; it carries a last heartbeat.
    post(`/v1/playback/${state.session.id}/stop`, beat(), true);
  }

  // --- the video's own events ------------------------------------------------------------

  video.addEventListener("playing", () => {
    if (qoe.startupMs === null) qoe.startupMs = Math.round(performance.now() - qoe.requestedAt);
    if (qoe.stallStart !== null) {
      qoe.stalls.push(Math.round(performance.now() - qoe.stallStart));
      qoe.stallStart = null;
    }
    busy(false);
    $("big-play").hidden = true;
    setPlayIcon(true);
  });
  video.addEventListener("waiting", () => {
    // A stall is buffering the viewer did not ask for: not the start, not a seek.
    if (qoe.startupMs !== null && !video.seeking && qoe.stallStart === null) {
      qoe.stallStart = performance.now();
    }
    busy(true);
  });
  video.addEventListener("pause", () => { setPlayIcon(false); heartbeat(); });
  video.addEventListener("seeked", () => busy(false));
  video.addEventListener("timeupdate", updateTime);
  video.addEventListener("durationchange", updateTime);
  video.addEventListener("volumechange", () => {
    $("mute").querySelector("use").setAttribute("href", video.muted ? "#i-muted" : "#i-volume");
    $("mute").setAttribute("aria-label", video.muted ? "Unmute (m)" : "Mute (m)");
  });
  video.addEventListener("ended", () => {
    heartbeat();
    showMessage("Finished", "", [["Back to the title", cfg.back], ["Browse", "/browse"]]);
  });
  video.addEventListener("click", togglePlay);
  window.addEventListener("pagehide", stop);

  // --- controls --------------------------------------------------------------------------

  function togglePlay() {
    if (!state.session) return;
    if (video.paused || video.ended) video.play().catch(() => { $("big-play").hidden = false; });
    else video.pause();
  }

  function seekBy(seconds) {
    const end = Number.isFinite(video.duration) ? video.duration : video.currentTime + seconds;
    video.currentTime = Math.min(Math.max(video.currentTime + seconds, 0), end);
    announce(`${seconds > 0 ? "Forward" : "Back"} ${Math.abs(seconds)} seconds`);
  }

  function toggleMute() {
    video.muted = !video.muted;
  }

  function toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else if (root.requestFullscreen) root.requestFullscreen().catch(() => {});
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

  function busy(on) {
    root.classList.toggle("is-busy", on);
  }

  function announce(text) {
    $("announce").textContent = text;
  }

  let idleTimer = null;
  function wake() {
    root.classList.remove("is-idle");
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => { if (!video.paused) root.classList.add("is-idle"); }, 3000);
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
    c: toggleCaptions,
  };

  document.addEventListener("keydown", (event) => {
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
  });

  $("play-toggle").addEventListener("click", togglePlay);
  $("big-play").addEventListener("click", togglePlay);
  $("back10").addEventListener("click", () => seekBy(-SEEK_STEP_S));
  $("fwd10").addEventListener("click", () => seekBy(SEEK_STEP_S));
  $("mute").addEventListener("click", toggleMute);
  $("fullscreen").addEventListener("click", toggleFullscreen);
  $("quality").addEventListener("change", (event) => chooseQuality(event.target.value));
  $("subtitles").addEventListener("change", (event) => chooseSubtitles(event.target.value));
  $("seek").addEventListener("change", (event) => { video.currentTime = Number(event.target.value); });
  root.addEventListener("mousemove", wake);
  root.addEventListener("focusin", wake);

  // --- next episode ---------------------------------------------------------------------------
  // Near the end of an episode, offer the next one; when this one ends, count down and go on.
  const next = { href: root.dataset.nextHref, shown: false, dismissed: false, timer: null };
  const NEXT_LEAD_S = 20; // how long before the end the prompt appears (less for short items)
  const NEXT_COUNTDOWN_S = 8;

  function nearTheEnd() {
    const d = video.duration;
    if (!next.href || next.dismissed || !isFinite(d) || d <= 0) return false;
    return d - video.currentTime <= Math.min(NEXT_LEAD_S, d * 0.15);
  }

  function showNext() {
    if (next.shown) return;
    next.shown = true;
    $("next-up").hidden = false;
  }

  function hideNext() {
    next.dismissed = true;
    clearInterval(next.timer);
    $("next-up").hidden = true;
  }

  function countdownToNext() {
    if (!next.href || next.dismissed) return;
    showNext();
    let left = NEXT_COUNTDOWN_S;
    const label = $("next-countdown");
    label.textContent = `Starts in ${left} s`;
    next.timer = setInterval(() => {
      left -= 1;
      label.textContent = `Starts in ${left} s`;
      if (left <= 0) {
        clearInterval(next.timer);
        location.assign(next.href);
      }
    }, 1000);
  }

  if (next.href) {
    video.addEventListener("timeupdate", () => { if (nearTheEnd()) showNext(); });
    video.addEventListener("ended", countdownToNext);
    $("next-dismiss").addEventListener("click", hideNext);
  }

  start();
})();
