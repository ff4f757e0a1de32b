// The quality and subtitles menus, built from what hls.js found in the session's master
// playlist. "Auto" hands the quality back to hls.js and shows the level playing now.
(function () {
  "use strict";

  const P = window.marqueePlayer;
  let lastTrack = 0; // the subtitles "c" turns back on

  function buildQualityMenu() {
    const select = P.$("quality");
    const levels = P.state.hls.levels.map((level, index) => ({ level, index }));
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
    const hls = P.state.hls;
    if (!hls) return;
    const index = Number(value);
    // -1 hands the choice back to hls.js's bandwidth estimate (autoLevelEnabled).
    hls.currentLevel = index;
    P.announce(index === -1 ? "Quality: automatic" : `Quality: ${hls.levels[index].height}p`);
    updateQualityLabel();
  }

  function updateQualityLabel() {
    const hls = P.state.hls;
    const auto = P.$("quality").options[0];
    const level = hls && hls.levels[hls.currentLevel];
    auto.textContent = hls && hls.autoLevelEnabled && level ? `Auto (${level.height}p)` : "Auto";
  }

  function buildSubtitleMenu() {
    const hls = P.state.hls;
    const select = P.$("subtitles");
    const tracks = hls ? hls.subtitleTracks : [];
    select.replaceChildren(new Option("Off", "-1"));
    tracks.forEach((track, index) => {
      select.appendChild(new Option(track.name || track.lang || `Track ${index + 1}`, String(index)));
    });
    select.disabled = tracks.length === 0;
    select.value = String(hls ? hls.subtitleTrack : -1);
  }

  function chooseSubtitles(value) {
    const hls = P.state.hls;
    if (!hls) return;
    const index = Number(value);
    hls.subtitleDisplay = index !== -1;
    hls.subtitleTrack = index;
    if (index !== -1) lastTrack = index;
    const select = P.$("subtitles");
    select.value = String(index);
    P.announce(index === -1 ? "Subtitles off" : `Subtitles: ${select.selectedOptions[0].text}`);
  }

  function toggleCaptions() {
    const hls = P.state.hls;
    if (!hls || hls.subtitleTracks.length === 0) return;
    chooseSubtitles(hls.subtitleTrack === -1 ? lastTrack : -1);
  }

  P.$("quality").addEventListener("change", (event) => chooseQuality(event.target.value));
  P.$("subtitles").addEventListener("change", (event) => chooseSubtitles(event.target.value));

  P.buildQualityMenu = buildQualityMenu;
  P.updateQualityLabel = updateQualityLabel;
  P.buildSubtitleMenu = buildSubtitleMenu;
  P.toggleCaptions = toggleCaptions;
})();
