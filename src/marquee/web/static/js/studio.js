// The studio's uploader: sends a source video to /v1/uploads over tus (resumable), shows the
// progress, and refreshes the transcoding status when the last byte has arrived.
(function () {
  "use strict";
  const root = document.getElementById("uploader");
  if (!root || !window.tus) return;
  const input = document.getElementById("video-file");
  const button = document.getElementById("upload-start");
  const bar = document.getElementById("upload-progress");
  const message = document.getElementById("upload-message");
  const titleId = root.dataset.titleId;
  const maxBytes = Number(root.dataset.maxBytes) || Infinity;
  const VIDEO_EXT = /\.(mp4|m4v|mov|mkv|webm|avi|mpe?g|ts)$/i;
  let refreshed = false;

  function say(text, isError) {
    message.textContent = text;
    message.classList.toggle("field-error", Boolean(isError));
    input.setAttribute("aria-invalid", isError ? "true" : "false");
  }

  // Bad input is explained before a single byte is sent.
  function problemWith(file) {
    if (!file) return "Choose a video file first.";
    if (!(file.type.startsWith("video/") || VIDEO_EXT.test(file.name))) {
      return "“" + file.name + "” is not a video. Choose an MP4, MOV, MKV or WebM file.";
    }
    if (file.size === 0) return "That file is empty.";
    if (file.size > maxBytes) return "That file is larger than this server accepts.";
    return null;
  }

  function refreshStatus() {
    if (window.htmx) {
      window.htmx.ajax("GET", "/studio/titles/" + titleId + "/media", {
        target: "#media-status", swap: "outerHTML",
      });
    }
  }

  function start() {
    const file = input.files && input.files[0];
    const problem = problemWith(file);
    if (problem) {
      say(problem, true);
      input.focus();
      return;
    }
    button.disabled = true;
    bar.hidden = false;
    bar.value = 0;
    say("Starting the upload…", false);
    const upload = new window.tus.Upload(file, {
      endpoint: "/v1/uploads",
      chunkSize: 8 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000],
      headers: { "X-CSRF-Token": root.dataset.csrf },
      metadata: { title_id: titleId, purpose: "source", filename: file.name },
      // The same file on this title resumes the unfinished upload instead of starting over.
      fingerprint: (f) => Promise.resolve(
        ["marquee", titleId, f.name, f.size, f.lastModified].join("-")),
      removeFingerprintOnSuccess: true,
      onProgress(sent, total) {
        const pct = total ? Math.floor((sent / total) * 100) : 0;
        bar.value = pct;
        say("Uploading: " + pct + "%", false);
      },
      onError(error) {
        const status = error.originalResponse ? error.originalResponse.getStatus() : 0;
        if (status === 401 && !refreshed) {
          refreshed = true; // the access token expired: rotate it once and carry on
          fetch("/session/refresh", {
            method: "POST", credentials: "same-origin",
            headers: { "X-CSRF-Token": root.dataset.csrf },
          }).then((res) => (res.ok ? upload.start() : say("Please log in again.", true)));
          return;
        }
        button.disabled = false;
        say("The upload stopped: " + readable(error) + " Choose the file again to resume.", true);
      },
      onSuccess() {
        bar.value = 100;
        button.disabled = false;
        say("Uploaded. Transcoding starts now.", false);
        refreshStatus();
      },
    });
    upload.findPreviousUploads().then((previous) => {
      if (previous.length) {
        upload.resumeFromPreviousUpload(previous[0]);
        say("Resuming the earlier upload…", false);
      }
      upload.start();
    });
  }

  function readable(error) {
    const res = error.originalResponse;
    if (res) {
      try {
        const problem = JSON.parse(res.getBody());
        if (problem.detail) return problem.detail + ".";
      } catch (_) { /* not problem+json */ }
    }
    return "the connection was lost.";
  }

  function check() {
    const file = input.files && input.files[0];
    const problem = file ? problemWith(file) : null;
    say(problem || "", Boolean(problem));
  }

  button.addEventListener("click", start);
  input.addEventListener("change", check);
  // This script is deferred: a file chosen before it ran fired its change event unheard.
  check();
  root.dataset.ready = "true";
})();
