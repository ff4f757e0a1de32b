// The player's shared core, loaded first of the player scripts: the page's elements and
// settings, the one state object, and the API calls. Each later script (messages, menus,
// heartbeats, controls, next-episode) adds its part to window.marqueePlayer; start.js, loaded
// last, starts playback once every part is in place.
(function () {
  "use strict";

  const root = document.getElementById("player");
  const video = document.getElementById("video");
  const cfg = {
    titleId: Number(root.dataset.titleId),
    episodeId: root.dataset.episodeId ? Number(root.dataset.episodeId) : null,
    profileId: Number(root.dataset.profileId),
    heartbeatS: Number(root.dataset.heartbeatS) || 10,
    csrf: root.dataset.csrf,
    back: root.dataset.back,
    nextHref: root.dataset.nextHref || "",
  };
  const state = { session: null, hls: null };

  function $(id) {
    return document.getElementById(id);
  }

  // The session cookie authenticates; the CSRF header proves the call comes from our page.
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

  function busy(on) {
    root.classList.toggle("is-busy", on);
  }

  // Spoken by screen readers through the page's polite live region.
  function announce(text) {
    $("announce").textContent = text;
  }

  window.marqueePlayer = {
    root, video, cfg, state, $, post, api, problemOf, busy, announce,
    // What the browser tests (and anyone debugging) read.
    get session() { return state.session; },
    get hls() { return state.hls; },
  };
})();
