// Heartbeats: every heartbeat_interval_s (and on pause and at the end) the position and the
// quality-of-experience figures since the previous one go to POST /v1/playback/{id}/heartbeat;
// leaving the page sends a last one with the stop call. A heartbeat answered "ended" (or 404/409)
// means the lease ran out, and the viewer is offered to continue.
(function () {
  "use strict";

  const P = window.marqueePlayer;
  const video = P.video;
  const MAX_ERRORS = 20; // what one heartbeat may carry
  // Stalls and errors are those since the previous heartbeat.
  const qoe = {
    requestedAt: 0, startupMs: null, startupSent: false, stallStart: null, stalls: [], errors: [],
  };
  const beats = { timer: null, stopped: false };

  // Startup time is measured from the playback request to the first frame.
  function noteRequested() {
    qoe.requestedAt = performance.now();
  }

  function noteError(text) {
    if (qoe.errors.length < MAX_ERRORS) qoe.errors.push(text.slice(0, 200));
  }

  function schedule(seconds) {
    clearInterval(beats.timer);
    P.cfg.heartbeatS = seconds;
    beats.timer = setInterval(heartbeat, seconds * 1000);
  }

  function currentBitrateKbps() {
    const hls = P.state.hls;
    const level = hls && hls.levels[hls.currentLevel];
    return level ? Math.round(level.bitrate / 1000) : null;
  }

  // One heartbeat body; takes the stalls and errors with it.
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
    const session = P.state.session;
    if (!session || beats.stopped) return;
    let res;
    try {
      res = await P.api(`/v1/playback/${session.id}/heartbeat`, beat());
    } catch (_) {
      noteError("heartbeat: network"); // offline for a moment: the next heartbeat tries again
      return;
    }
    if (res.ok) {
      const answer = await res.json();
      if (answer.next_heartbeat_s && answer.next_heartbeat_s !== P.cfg.heartbeatS) {
        schedule(answer.next_heartbeat_s);
      }
      if (!answer.ended) return;
    }
    if (res.ok || res.status === 404 || res.status === 409) leaseLost();
  }

  // The lease ran out (the tab slept, say): offer a fresh session where we are.
  function leaseLost() {
    beats.stopped = true;
    clearInterval(beats.timer);
    P.showMessage("Playback paused", "This stream timed out. Continue where you left off?", [
      ["Continue", () => location.reload()],
      ["Back to the title", P.cfg.back],
    ]);
    video.pause();
  }

  function stop() {
    const session = P.state.session;
    if (!session || beats.stopped) return;
    beats.stopped = true;
    clearInterval(beats.timer);
    // keepalive lets the request outlive the page being unloaded; it carries a last heartbeat.
    P.post(`/v1/playback/${session.id}/stop`, beat(), true);
  }

  video.addEventListener("playing", () => {
    if (qoe.startupMs === null) qoe.startupMs = Math.round(performance.now() - qoe.requestedAt);
    if (qoe.stallStart !== null) {
      qoe.stalls.push(Math.round(performance.now() - qoe.stallStart));
      qoe.stallStart = null;
    }
  });
  video.addEventListener("waiting", () => {
    // A stall is buffering the viewer did not ask for: not the start, not a seek.
    if (qoe.startupMs !== null && !video.seeking && qoe.stallStart === null) {
      qoe.stallStart = performance.now();
    }
  });
  video.addEventListener("pause", heartbeat);
  video.addEventListener("ended", heartbeat);
  window.addEventListener("pagehide", stop);

  P.noteRequested = noteRequested;
  P.noteError = noteError;
  P.schedule = schedule;
})();
