// Starting playback, loaded last of the player scripts: POST /v1/playback, then hls.js plays
// the session's signed master playlist from the resume point (Safari plays HLS itself).
// When every part is wired the player is marked ready (#player[data-ready]), so a test never
// acts on a page whose scripts have not run yet.
(function () {
  "use strict";

  const P = window.marqueePlayer;
  const video = P.video;

  async function start() {
    P.noteRequested();
    P.busy(true);
    const body = { profile_id: P.cfg.profileId, title_id: P.cfg.titleId };
    if (P.cfg.episodeId !== null) body.episode_id = P.cfg.episodeId;
    let res;
    try {
      res = await P.api("/v1/playback", body);
    } catch (_) {
      return P.explain(0, {});
    }
    if (!res.ok) return P.explain(res.status, await P.problemOf(res));
    const session = sessionFrom(await res.json());
    P.state.session = session;
    P.root.dataset.sessionId = session.id;
    attach(session);
    P.schedule(session.heartbeatS || P.cfg.heartbeatS);
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
    const Hls = window.Hls;
    if (Hls && Hls.isSupported()) {
      const hls = new Hls({ startPosition: session.resumeS > 0 ? session.resumeS : -1 });
      P.state.hls = hls;
      hls.on(Hls.Events.MANIFEST_PARSED, onManifest);
      hls.on(Hls.Events.LEVEL_SWITCHED, P.updateQualityLabel);
      hls.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, P.buildSubtitleMenu);
      hls.on(Hls.Events.ERROR, onHlsError);
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
      P.explain(-1, {});
    }
  }

  function onManifest() {
    P.buildQualityMenu();
    P.buildSubtitleMenu();
    autoplay();
  }

  function autoplay() {
    video.play().catch(() => {
      // The browser wants a click before playing sound: offer the big play button.
      P.busy(false);
      P.$("big-play").hidden = false;
    });
  }

  function onHlsError(_event, data) {
    P.noteError(`${data.fatal ? "fatal " : ""}${data.type}: ${data.details}`);
    if (!data.fatal) return;
    const types = window.Hls.ErrorTypes;
    if (data.type === types.MEDIA_ERROR) {
      P.state.hls.recoverMediaError();
    } else if (data.type === types.NETWORK_ERROR && data.response && data.response.code === 403) {
      P.showMessage("This stream has expired", "Reload the page to keep watching.", [
        ["Reload", () => location.reload()],
      ]);
    } else if (data.type === types.NETWORK_ERROR) {
      P.state.hls.startLoad();
    } else {
      P.showMessage("Playback stopped", "Something went wrong playing this title.", [
        ["Try again", () => location.reload()],
      ]);
    }
  }

  P.root.dataset.ready = "true";
  start();
})();
