// The console's live behaviour: server-sent events refresh the page's live regions, forms post
// to the JSON API with the CSRF header (they also work without this script), canned replies.
// No framework, no external resource (strict CSP: script-src 'self').
(() => {
  "use strict";
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrf = meta ? meta.content : "";
  const status = document.getElementById("live-status");
  const head = document.querySelector("[data-conversation]");
  const conversationId = head ? Number(head.dataset.conversation) : null;
  let waiting = waitingNow();
  let timer = 0;

  function waitingNow() {
    const rows = document.getElementById("rows");
    return rows ? Number(rows.dataset.waiting || 0) : null;
  }

  function say(text) { if (status) status.textContent = text; }

  function beep() {
    try {
      const audio = new AudioContext();
      const tone = audio.createOscillator();
      tone.frequency.value = 880;
      tone.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.15);
    } catch (e) { /* no sound allowed yet: the title still says it */ }
  }

  // Fetch this page again and swap its live regions (never the text being typed).
  async function refresh() {
    let response;
    try {
      response = await fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
    } catch (e) { return; }
    if (response.redirected && response.url.includes("/console/login")) { location.href = response.url; return; }
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    document.querySelectorAll("[data-live]").forEach((region) => {
      const replacement = fresh.getElementById(region.id);
      if (replacement) region.replaceWith(document.adoptNode(replacement));
    });
    document.title = fresh.title;
    const now = waitingNow();
    if (waiting !== null && now !== null && now > waiting) { beep(); say("Nouvelle demande en attente."); }
    waiting = now;
  }

  function soon() { clearTimeout(timer); timer = setTimeout(refresh, 100); }

  if (window.EventSource) {
    const source = new EventSource("/console/api/events");
    source.addEventListener("ready", () => { say(""); soon(); });
    for (const kind of ["message", "state", "note"]) {
      source.addEventListener(kind, (e) => {
        let event = null;
        try { event = JSON.parse(e.data); } catch (err) { return; }
        if (conversationId === null || event.conversation_id === conversationId) soon();
      });
    }
    source.onerror = () => say("Connexion perdue : nouvel essai…");
  }

  // Forms marked data-api post JSON with the CSRF header; errors are shown, text is kept.
  document.addEventListener("submit", async (e) => {
    const form = e.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-api")) return;
    e.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    delete data.csrf_token;
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    const error = document.getElementById("form-error");
    try {
      const response = await fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(data),
      });
      if (response.ok) {
        if (error) error.hidden = true;
        if (form.hasAttribute("data-reload")) { location.reload(); return; }
        form.reset();
        refresh();
      } else {
        const body = await response.json().catch(() => null);
        const message = body && body.error ? body.error.message : "Action impossible.";
        if (error) { error.textContent = message; error.hidden = false; error.scrollIntoView({ block: "nearest" }); }
        else alert(message);
      }
    } finally {
      if (button) button.disabled = false;
    }
  });

  // Canned replies: chosen from the list, or « /raccourci » then Tab in the reply box.
  const reply = document.getElementById("reply");
  const canned = document.querySelector("[data-canned]");
  if (reply && canned) {
    canned.addEventListener("change", () => {
      if (!canned.value) return;
      reply.value = reply.value ? reply.value + " " + canned.value : canned.value;
      canned.value = "";
      reply.focus();
    });
    reply.addEventListener("keydown", (e) => {
      if (e.key !== "Tab") return;
      const typed = reply.value.match(/(^|\s)\/(\S+)$/);
      if (!typed) return;
      const option = Array.from(canned.options).find((o) => o.dataset.shortcut === typed[2]);
      if (!option) return;
      e.preventDefault();
      reply.value = reply.value.slice(0, reply.value.length - typed[2].length - 1) + option.value;
    });
  }
})();
