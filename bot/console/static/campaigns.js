// The campaign pages (#11): live progress of the list and of one campaign (the JSON API, polled
// every 5 s), pause / resume / cancel / approve through the JSON API, and the composer: live
// preview against each platform's limits (mirroring bot/campaigns/composition.py; the server
// checks again), live audience count, image upload, send time in the site's local time.
// No framework, no external resource (strict CSP: script-src 'self').
(() => {
  "use strict";
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrf = meta ? meta.content : "";
  const POLL = 5000;

  async function call(url, options = {}) {
    const headers = { "X-CSRF-Token": csrf, Accept: "application/json", ...(options.headers || {}) };
    const response = await fetch(url, { credentials: "same-origin", ...options, headers });
    if (response.status === 401) { location.href = "/console/login"; }
    const body = await response.json().catch(() => null);
    return { ok: response.ok, status: response.status, body };
  }

  function refusal(result, fallback) {
    return result.body && result.body.error && result.body.error.message
      ? result.body.error.message : fallback;
  }

  function showError(box, message) {
    if (!box) { alert(message); return; }
    box.textContent = message;
    box.hidden = false;
    box.focus();
    box.scrollIntoView({ block: "nearest" });
  }

  // --- progress: the same sums as campaign_pages.Progress --------------------------------------

  function progressOf(counts) {
    const n = (state) => Number(counts[state] || 0);
    const sent = n("sent"), failed = n("failed"), skipped = n("skipped");
    const interrupted = n("interrupted"), remaining = n("pending") + n("queued");
    const notDelivered = failed + skipped + interrupted;
    const total = sent + notDelivered + remaining;
    return { sent, failed, skipped, interrupted, remaining, not_delivered: notDelivered, total, done: total - remaining };
  }

  function fill(root, progress) {
    root.querySelectorAll("[data-field]").forEach((el) => {
      const field = el.dataset.field;
      if (field === "progress") {
        el.max = progress.total || 1;
        el.value = progress.done;
        el.textContent = `${progress.done} / ${progress.total}`;
        el.setAttribute("aria-label", `Avancement : ${progress.done} sur ${progress.total}`);
      } else if (field in progress) {
        el.textContent = String(progress[field]);
      }
    });
  }

  function every(ms, task) {
    const tick = async () => {
      if (!document.hidden) { try { await task(); } catch (e) { /* next time */ } }
      setTimeout(tick, ms);
    };
    setTimeout(tick, ms);
  }

  // --- the list ---------------------------------------------------------------------------------

  const list = document.querySelector("[data-campaign-list]");
  if (list) {
    let labels = {};
    try { labels = JSON.parse(list.dataset.statusLabels || "{}"); } catch (e) { labels = {}; }
    const status = document.getElementById("live-status");
    every(POLL, async () => {
      const result = await call("/console/api/campaigns");
      if (!result.ok || !result.body) return;
      let unseen = 0;
      for (const campaign of result.body.campaigns) {
        const row = list.querySelector(`[data-campaign="${campaign.id}"]`);
        if (!row) { unseen += 1; continue; }
        const progress = progressOf(campaign.counts);
        fill(row, progress);
        row.querySelectorAll("[data-progress]").forEach((el) => { el.hidden = !progress.total; });
        row.querySelectorAll("[data-no-progress]").forEach((el) => { el.hidden = Boolean(progress.total); });
        const tag = row.querySelector('[data-field="status"]');
        if (tag) tag.textContent = labels[campaign.status] || campaign.status;
        row.className = row.className.replace(/status-\S+/, `status-${campaign.status}`);
      }
      if (status) status.textContent = unseen ? "Nouvelle campagne : recharge la page pour la voir." : "";
    });
  }

  // --- one campaign -----------------------------------------------------------------------------

  const detail = document.querySelector("[data-campaign-detail]");
  if (detail) {
    const id = detail.dataset.campaignDetail;
    const error = document.getElementById("form-error");
    if (detail.hasAttribute("data-live-poll")) {
      every(POLL, async () => {
        const result = await call(`/console/api/campaigns/${id}`);
        if (!result.ok || !result.body) return;
        const progress = progressOf(result.body.counts);
        const hasBar = document.querySelector('progress[data-field="progress"]');
        if (result.body.status !== detail.dataset.status || (!hasBar && progress.total)) {
          location.reload();  // its buttons and sections change with it
          return;
        }
        fill(document, progress);
      });
    }
    document.querySelectorAll("form[data-campaign-action]").forEach((form) => {
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        if (form.dataset.confirm && !confirm(form.dataset.confirm)) return;
        const button = form.querySelector("button[type=submit]");
        if (button) button.disabled = true;
        try {
          const result = await call(form.action, {
            method: "POST", headers: { "Content-Type": "application/json" }, body: "{}",
          });
          if (result.ok) { location.reload(); return; }
          showError(error, refusal(result, "Action impossible."));
        } catch (err) {
          showError(error, "Connexion perdue : réessaie.");
        } finally {
          if (button) button.disabled = false;
        }
      });
    });
  }

  // --- the composer -----------------------------------------------------------------------------

  const composer = document.querySelector("[data-composer]");
  if (composer) setUpComposer(composer);

  function setUpComposer(form) {
    const limits = JSON.parse(form.dataset.limits);
    const zone = form.dataset.zone;
    const fallbackOffset = form.dataset.offset;
    const $ = (id) => document.getElementById(id);
    const text = $("text"), image = $("image"), imageStatus = $("image-status");
    const imageRemove = $("image-remove"), sendAt = $("send-at"), sendAtBox = $("send-at-box");
    const error = $("form-error"), suggested = $("use-suggested"), submit = $("submit");
    const audienceCount = $("audience-count"), problemsBox = $("problems");
    const DM = ["telegram_dm", "instagram_dm", "webchat"];
    const HASHTAG = /(?<![\p{L}\p{M}\p{N}_])#[\p{L}\p{M}\p{N}_]+/gu;
    const INSTAGRAM_DM_BYTES = 999;
    let imageId = null, imageUrl = null, uploading = false;

    const length = (s) => Array.from(s).length;  // characters as Python counts them
    const targets = () => Array.from(form.querySelectorAll('input[name="targets"]:checked')).map((i) => i.value);
    const sendNow = () => $("when-now").checked;

    function buttons() {
      return Array.from(form.querySelectorAll("[data-button-row]")).map((row) => {
        const kind = row.querySelector("[data-button-kind]").value;
        const title = row.querySelector("[data-button-title]").value.trim();
        const url = row.querySelector("[data-button-url]").value.trim();
        if (!kind) return null;
        return kind === "link" ? { kind, title, url } : { kind, title };
      }).filter(Boolean);
    }

    function audience() {
      const chosen = {};
      form.querySelectorAll("[data-audience]").forEach((field) => {
        const value = field.value.trim();
        if (!value) return;
        const name = field.dataset.audience;
        if (name === "appointment") chosen[name] = value === "true";
        else if (name === "active_days" || name === "site_id") chosen[name] = Number(value);
        else chosen[name] = value;
      });
      return chosen;
    }

    // Each target's preview, counters and refusals (as composition.limits_exceeded words them).
    function render() {
      const body = text.value.trim();
      const n = length(body);
      const hashtags = (body.match(HASHTAG) || []).length;
      const chosen = targets();
      const links = buttons().filter((b) => b.kind === "link" && b.title);
      const others = buttons().filter((b) => b.kind !== "link" && b.title);
      const problems = [];
      form.querySelector("[data-text-length]").textContent = String(n);
      $("preview-empty").hidden = chosen.length > 0;
      form.querySelectorAll("[data-preview]").forEach((card) => {
        const target = card.dataset.preview;
        card.hidden = !chosen.includes(target);
        const dm = DM.includes(target);
        const shown = dm ? [body, ...links.map((b) => `${b.title} : ${b.url}`)].join("\n\n") : body;
        card.querySelector("[data-preview-text]").textContent = shown || "…";
        const picture = card.querySelector("[data-preview-image]");
        picture.hidden = !imageUrl;
        if (imageUrl) picture.src = imageUrl; else picture.removeAttribute("src");
        const list = card.querySelector("[data-preview-buttons]");
        list.replaceChildren(...(dm ? others : []).map((b) => {
          const item = document.createElement("li");
          item.textContent = b.title;
          return item;
        }));
        const counter = card.querySelector("[data-counter]");
        const tags = card.querySelector("[data-hashtags]");
        const problem = card.querySelector("[data-problem]");
        const mine = [];
        tags.hidden = true;
        if (target === "telegram_channel" || target === "telegram_dm") {
          const limit = imageId ? limits.telegram_caption : limits.telegram_text;
          counter.textContent = `${n} / ${limit} caractères${imageId ? " (légende d'image)" : ""}`;
          counter.classList.toggle("over", n > limit);
          if (n > limit) {
            mine.push(imageId
              ? `Telegram : avec une image, le texte est une légende de ${limit} caractères au plus (${n}).`
              : `Telegram : ${limit} caractères au plus (${n}).`);
          }
        } else if (target === "instagram_feed") {
          counter.textContent = `${n} / ${limits.instagram_caption} caractères`;
          counter.classList.toggle("over", n > limits.instagram_caption);
          tags.hidden = false;
          tags.textContent = `${hashtags} / ${limits.instagram_hashtags} hashtags`;
          tags.classList.toggle("over", hashtags > limits.instagram_hashtags);
          if (!imageId) mine.push("Instagram (fil) : une publication a besoin d'une image.");
          if (n > limits.instagram_caption) mine.push(`Instagram : légende de ${limits.instagram_caption} caractères au plus (${n}).`);
          if (hashtags > limits.instagram_hashtags) mine.push(`Instagram : ${limits.instagram_hashtags} hashtags au plus (${hashtags}).`);
        } else if (target === "instagram_dm") {
          const bytes = new TextEncoder().encode(shown).length;
          const parts = Math.max(1, Math.ceil(bytes / INSTAGRAM_DM_BYTES));
          counter.textContent = `${n} caractères${parts > 1 ? ` · part en ${parts} messages (1 000 octets au plus chacun)` : ""}`;
          counter.classList.remove("over");
        } else {
          counter.textContent = `${n} caractères`;
          counter.classList.remove("over");
        }
        card.classList.toggle("over", !card.hidden && mine.length > 0);
        problem.hidden = mine.length === 0;
        problem.textContent = mine.join(" ");
        if (!card.hidden) for (const p of mine) if (!problems.includes(p)) problems.push(p);
      });
      problemsBox.hidden = problems.length === 0;
      problemsBox.replaceChildren(...problems.map((p) => {
        const line = document.createElement("p");
        line.textContent = p;
        return line;
      }));
    }

    // The live audience count: debounced, the latest answer wins.
    let countTimer = 0, asked = 0;
    function countSoon() { clearTimeout(countTimer); countTimer = setTimeout(count, 400); }
    async function count() {
      const chosen = targets();
      const department = $("f-department");
      const ticket = ++asked;
      audienceCount.classList.remove("error");
      if (!chosen.length) { audienceCount.textContent = "Coche au moins une destination."; return; }
      if (!chosen.some((t) => DM.includes(t))) {
        audienceCount.textContent = "Publication sur les canaux seulement : pas de message individuel.";
        return;
      }
      if (department.validity.patternMismatch) {
        audienceCount.textContent = "Département : 2 chiffres (3 outre-mer), par exemple 93 ou 972.";
        audienceCount.classList.add("error");
        return;
      }
      audienceCount.textContent = "Calcul…";
      let result;
      try {
        result = await call("/console/api/audience/count", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ audience: audience(), targets: chosen }),
        });
      } catch (e) {
        if (ticket === asked) audienceCount.textContent = "Connexion perdue : public non calculé.";
        return;
      }
      if (ticket !== asked) return;
      if (result.ok && result.body) {
        audienceCount.textContent = `${result.body.label} jeunes`;
      } else {
        audienceCount.textContent = refusal(result, "Public non calculé.");
        audienceCount.classList.add("error");
      }
    }

    // Buttons: the link's address only for a link; a title proposed from the action.
    const defaults = { book: "Prendre rendez-vous", questionnaire: "Mes droits en 2 minutes", link: "En savoir plus" };
    form.querySelectorAll("[data-button-row]").forEach((row) => {
      const kind = row.querySelector("[data-button-kind]");
      const title = row.querySelector("[data-button-title]");
      const urlBox = row.querySelector("[data-button-url-box]");
      const url = row.querySelector("[data-button-url]");
      // No `required` here: closed in its <details>, the browser could not point at it; the
      // server's refusal says what is missing.
      const sync = () => { urlBox.hidden = kind.value !== "link"; };
      kind.addEventListener("change", () => {
        if (!title.value.trim() || Object.values(defaults).includes(title.value)) {
          title.value = kind.value ? defaults[kind.value] : "";
        }
        sync();
        render();
      });
      sync();
    });

    // The send time: shown when « Programmer » is chosen; typing a date chooses it.
    function syncWhen() {
      sendAtBox.hidden = sendNow();
      sendAt.required = !sendNow();
    }
    form.querySelectorAll('input[name="when"]').forEach((r) => r.addEventListener("change", syncWhen));
    syncWhen();

    // « 2026-12-08T10:00 » in the site's zone → ISO 8601 with that day's UTC offset.
    function zoneOffset(instant) {
      const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
        .formatToParts(instant);
      const name = (parts.find((p) => p.type === "timeZoneName") || {}).value || "GMT";
      const m = name.match(/GMT([+-]\d{2}):?(\d{2})?/);
      return m ? `${m[1]}:${m[2] || "00"}` : "+00:00";
    }
    function minutes(offset) {
      const sign = offset[0] === "-" ? -1 : 1;
      return sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
    }
    function localToIso(value) {
      const full = value.length === 16 ? `${value}:00` : value;
      try {
        const wall = new Date(`${full}Z`);
        const first = zoneOffset(wall);
        const offset = zoneOffset(new Date(wall.getTime() - minutes(first) * 60000));
        return `${full}${offset}`;
      } catch (e) {
        return `${full}${fallbackOffset}`;
      }
    }

    // The image: sent at once, its id kept for the campaign.
    image.addEventListener("change", async () => {
      const file = image.files && image.files[0];
      imageId = null; imageUrl = null;
      imageRemove.hidden = true;
      render();
      if (!file) { imageStatus.textContent = ""; return; }
      if (!["image/png", "image/jpeg"].includes(file.type)) {
        imageStatus.textContent = "Seules les images PNG ou JPEG sont acceptées.";
        imageStatus.classList.add("error");
        image.value = "";
        return;
      }
      const data = new FormData();
      data.append("file", file);
      uploading = true;
      submit.disabled = true;
      imageStatus.classList.remove("error");
      imageStatus.textContent = "Envoi de l'image…";
      try {
        const result = await call("/console/api/uploads", { method: "POST", body: data });
        if (result.status === 201 && result.body) {
          imageId = result.body.id;
          try { imageUrl = new URL(result.body.url, location.href).pathname; } catch (e) { imageUrl = null; }
          imageStatus.textContent = `Image jointe : ${file.name}`;
          imageRemove.hidden = false;
        } else {
          imageStatus.textContent = refusal(result, "L'image n'a pas pu être envoyée.");
          imageStatus.classList.add("error");
          image.value = "";
        }
      } catch (e) {
        imageStatus.textContent = "Connexion perdue : l'image n'est pas envoyée.";
        imageStatus.classList.add("error");
        image.value = "";
      } finally {
        uploading = false;
        submit.disabled = false;
        render();
      }
    });
    imageRemove.addEventListener("click", () => {
      imageId = null; imageUrl = null;
      image.value = "";
      imageStatus.textContent = "Image retirée.";
      imageStatus.classList.remove("error");
      imageRemove.hidden = true;
      render();
      image.focus();
    });

    // The server's quiet-hours refusal proposes a time: one click chooses it.
    let proposal = null;
    suggested.addEventListener("click", () => {
      if (!proposal) return;
      $("when-later").checked = true;
      syncWhen();
      sendAt.value = proposal;
      suggested.hidden = true;
      error.hidden = true;
      sendAt.focus();
    });

    form.addEventListener("input", (e) => {
      render();
      if (e.target instanceof Element && e.target.matches("[data-audience]")) countSoon();
      if (e.target === sendAt && sendAt.value) { $("when-later").checked = true; syncWhen(); }
    });
    form.addEventListener("change", (e) => {
      if (e.target instanceof Element && e.target.matches('[data-audience], input[name="targets"]')) countSoon();
      render();
    });

    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (uploading) return;
      const payload = {
        title: $("title").value.trim(),
        text: text.value.trim(),
        targets: targets(),
        audience: audience(),
        buttons: buttons(),
        send_at: sendNow() || !sendAt.value ? null : localToIso(sendAt.value),
      };
      if (imageId !== null) payload.image_id = imageId;
      submit.disabled = true;
      error.hidden = true;
      suggested.hidden = true;
      try {
        const result = await call("/console/api/campaigns", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(payload),
        });
        if (result.status === 201 && result.body) {
          location.href = `/console/campaigns/${result.body.id}`;
          return;
        }
        const message = refusal(result, "La campagne n'a pas pu être enregistrée.");
        const next = message.match(/Prochain moment possible : (\d{2})\/(\d{2})\/(\d{4}) à (\d{2}):(\d{2})/);
        proposal = next ? `${next[3]}-${next[2]}-${next[1]}T${next[4]}:${next[5]}` : null;
        suggested.hidden = !proposal;
        showError(error, message);
      } catch (err) {
        showError(error, "Connexion perdue : la campagne n'est pas enregistrée. Réessaie.");
      } finally {
        submit.disabled = false;
      }
    });

    render();
    count();
  }
})();
