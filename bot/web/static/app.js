// brandbot dashboard: the only script (CSP forbids inline script). Everything here is optional
// enhancement: every page works without it.
"use strict";

// Refresh a region from a fragment URL every N ms (paused while hidden or while someone types in it).
function startRefresh(region) {
  const url = region.dataset.refresh;
  const every = parseInt(region.dataset.interval || "10000", 10);
  setInterval(async () => {
    if (document.hidden || region.contains(document.activeElement)) {
      return;
    }
    try {
      const response = await fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" });
      if (response.status === 401) {
        window.location.reload();
        return;
      }
      if (response.ok) {
        region.innerHTML = await response.text(); // server-rendered, autoescaped HTML
      }
    } catch (err) {
      // the next tick retries; the page keeps what it shows
    }
  }, every);
}

// Live preview of a canned reply with its weighted length and the 280 limit.
function startPreview(select) {
  const text = document.getElementById("preview-text");
  const count = document.getElementById("preview-count");
  const error = document.getElementById("preview-error");
  const submit = document.getElementById("reply-submit");
  select.addEventListener("change", async () => {
    const url = select.dataset.previewUrl + "?template=" + encodeURIComponent(select.value);
    const response = await fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" });
    const body = await response.json();
    text.textContent = body.text || "";
    error.textContent = body.error || "";
    count.textContent = (body.length || 0) + " / " + (body.limit || 280);
    count.classList.toggle("over", Boolean(body.over));
    submit.disabled = Boolean(body.over || body.error || !response.ok);
  });
}

// Ask before a one-click action that cannot be undone from here (the question is the form's data-confirm).
function confirmBeforeSubmit(form) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-refresh]").forEach(startRefresh);
  document.querySelectorAll("form[data-confirm]").forEach(confirmBeforeSubmit);
  const select = document.getElementById("reply-template");
  if (select) {
    startPreview(select);
  }
});
