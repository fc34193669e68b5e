"use strict";

// Mission Locale web chat client. Vanilla ES2020, no dependencies.
(() => {
  const API_URL = "/webchat/api/messages";
  const KEY = { user: "cm_user_id", lastId: "cm_last_id", history: "cm_history", source: "cm_source" };
  const SOURCE = /^[A-Za-z0-9_-]{2,32}$/;
  const HISTORY_MAX = 100;
  const MAX_LENGTH = 2000;
  const COUNTER_FROM = 1800;
  const POLL_MS = 4000;
  const POLL_BACKOFF_MS = 15000;
  const POLL_ERRORS_BEFORE_BACKOFF = 3;
  const REQUEST_TIMEOUT_MS = 30000;

  const T = {
    welcome: "Salut 👋 Pose ta question ici, même en abrégé. Tu peux écrire quand tu veux.",
    network: "Le message n'est pas parti. Vérifie ta connexion et réessaie.",
    rejected: "Le message n'a pas pu être envoyé.",
    retry: "Réessayer",
    notSent: "Pas envoyé",
    typing: "L'assistant écrit…",
    you: "Toi : ",
    bot: "Mission Locale : ",
    choices: "Choix de réponse",
    confirmClear: "Effacer la conversation sur cet appareil ?\n\n" +
      "Ça efface seulement ce qui est gardé sur ce téléphone ou cet ordinateur. " +
      "Les messages déjà envoyés ne sont pas supprimés à la Mission Locale.",
  };

  const $ = (id) => document.getElementById(id);
  const [log, input, sendBtn, counter] = ["log", "input", "send", "counter"].map($);

  const state = {
    userId: "",
    lastId: 0, // highest server message id seen
    history: [], // rendered entries: {from: "user"|"bot", text, id?, buttons?, used?, failed?}
    seen: new Set(), // server message ids already rendered
    busy: false, // a POST is in flight
    polling: false, pollAgain: false, pollTimer: 0, pollErrors: 0,
    notice: null, // current error notice element
    typing: null, // typing indicator element
  };

  // --- Storage: localStorage with an in-memory fallback ---------------------

  function attempt(fn, fallback = null) {
    try { return fn(); } catch { return fallback; }
  }

  const memory = new Map();
  const store = {
    get: (key) => (memory.has(key) ? memory.get(key) : attempt(() => localStorage.getItem(key))),
    set: (key, value) => { memory.set(key, value); attempt(() => localStorage.setItem(key, value)); },
    remove: (key) => { memory.delete(key); attempt(() => localStorage.removeItem(key)); },
  };

  function randomToken(size) {
    // `size` random bytes as base64url (24 bytes -> 32 characters, no padding needed).
    const bytes = crypto.getRandomValues(new Uint8Array(size));
    return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
  }

  function newUserId() {
    return randomToken(24);
  }

  function readHistory() {
    const list = attempt(() => JSON.parse(store.get(KEY.history) || "[]"));
    const valid = (e) => e && (e.from === "user" || e.from === "bot") && typeof e.text === "string";
    return Array.isArray(list) ? list.filter(valid).slice(-HISTORY_MAX) : [];
  }

  function saveHistory() {
    state.history = state.history.slice(-HISTORY_MAX);
    store.set(KEY.history, JSON.stringify(state.history));
  }

  function loadState() {
    const id = store.get(KEY.user);
    if (id && /^[A-Za-z0-9_-]{32}$/.test(id)) {
      state.userId = id;
      state.lastId = Number.parseInt(store.get(KEY.lastId), 10) || 0;
      state.history = readHistory();
    } else { // new (or corrupted) identity: start from a clean slate
      state.userId = newUserId();
      store.set(KEY.user, state.userId);
      [KEY.lastId, KEY.history].forEach(store.remove);
    }
    for (const e of state.history) if (Number.isSafeInteger(e.id)) state.seen.add(e.id);
  }

  // --- Rendering (text always goes in as text nodes, never innerHTML) -------

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === "role" || key.startsWith("aria-")) node.setAttribute(key, value);
      else node[key] = value;
    }
    node.append(...children);
    return node;
  }

  function safeHref(raw) {
    const url = attempt(() => new URL(raw));
    return url && (url.protocol === "http:" || url.protocol === "https:") ? url.href : null;
  }

  // Splits text around http(s) URLs and turns those into links.
  function linkify(text) {
    const parts = [];
    let pos = 0;
    for (const match of text.matchAll(/https?:\/\/[^\s<>"']+/gi)) {
      const raw = match[0].replace(/[.,;:!?)\]}»]+$/, ""); // drop trailing punctuation
      const href = safeHref(raw);
      if (!href) continue;
      parts.push(text.slice(pos, match.index),
        el("a", { href, target: "_blank", rel: "noopener noreferrer" }, raw));
      pos = match.index + raw.length;
    }
    parts.push(text.slice(pos));
    return parts;
  }

  function renderChips(entry) {
    const box = el("div", { className: "chips", role: "group", "aria-label": T.choices });
    for (const button of entry.buttons) {
      const chip = el("button", { className: "chip", type: "button", disabled: Boolean(entry.used) }, button.title);
      chip.addEventListener("click", () => onChip(entry, button, box));
      box.append(chip);
    }
    return box;
  }

  function markFailed(node, failed) {
    node.classList.toggle("failed", failed);
    const status = node.querySelector(".status");
    if (failed && !status) node.append(el("span", { className: "status" }, T.notSent));
    if (!failed && status) status.remove();
  }

  function renderEntry(entry) {
    const isBot = entry.from === "bot";
    const node = el("div", { className: `msg ${entry.from}` });
    if (entry.text) {
      const who = el("span", { className: "sr-only" }, isBot ? T.bot : T.you);
      node.append(el("div", { className: "bubble" }, who, ...(isBot ? linkify(entry.text) : [entry.text])));
    }
    if (isBot && entry.buttons?.length) node.append(renderChips(entry));
    if (entry.failed) markFailed(node, true);
    return node;
  }

  // Inserts before the typing indicator (if any) so it always stays last.
  function appendToLog(node) {
    log.insertBefore(node, state.typing);
    log.scrollTop = log.scrollHeight;
  }

  function addEntry(entry) {
    state.history.push(entry);
    saveHistory();
    const node = renderEntry(entry);
    appendToLog(node);
    return node;
  }

  function showTyping(on) {
    if (on && !state.typing) {
      const dots = el("span", { className: "dots", "aria-hidden": "true" }, el("span"), el("span"), el("span"));
      const bubble = el("div", { className: "bubble" }, dots, el("span", { className: "sr-only" }, T.typing));
      appendToLog(el("div", { className: "msg bot typing" }, bubble));
      state.typing = log.lastElementChild;
    } else if (!on && state.typing) {
      state.typing.remove();
      state.typing = null;
    }
  }

  function clearNotice() {
    state.notice?.remove();
    state.notice = null;
  }

  function showNotice(message, onRetry) {
    clearNotice();
    const box = el("div", { className: "notice" }, el("p", {}, message));
    if (onRetry) {
      const retry = el("button", { className: "retry", type: "button" }, T.retry);
      retry.addEventListener("click", () => { if (!state.busy) { clearNotice(); onRetry(); } });
      box.append(retry);
    }
    state.notice = box;
    appendToLog(box);
  }

  // --- Server messages -------------------------------------------------------

  function cleanButtons(list) {
    if (!Array.isArray(list)) return [];
    return list.filter((b) => b && typeof b.title === "string" && b.title && typeof b.payload === "string");
  }

  function show(m, id) {
    const text = typeof m.text === "string" ? m.text : "";
    const buttons = cleanButtons(m.buttons);
    if (text || buttons.length) addEntry({ from: "bot", id, text, buttons });
  }

  // Stored messages have an id (POST replies and polls can overlap: each is shown once);
  // a reply that is not stored (the confirmation of an erasure) has none and comes only once.
  function receive(messages) {
    if (!Array.isArray(messages)) return;
    for (const m of messages) if (m && m.id === null) show(m, undefined);
    const valid = messages.filter((m) => m && Number.isSafeInteger(m.id) && m.id > 0);
    for (const m of valid.sort((a, b) => a.id - b.id)) {
      if (state.seen.has(m.id)) continue;
      state.seen.add(m.id);
      state.lastId = Math.max(state.lastId, m.id);
      store.set(KEY.lastId, String(state.lastId));
      show(m, m.id);
    }
  }

  // After « supprime mes données »: the server forgot this person, so does this device. The
  // confirmation stays on screen; the next message starts a new conversation.
  function forgetDevice() {
    state.userId = newUserId();
    store.set(KEY.user, state.userId);
    state.lastId = 0;
    state.seen.clear();
    store.remove(KEY.lastId);
    state.history = state.history.filter((e) => e.from === "bot" && e.id === undefined).slice(-1);
    saveHistory();
  }

  async function request(url, options = {}) {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), REQUEST_TIMEOUT_MS);
    try {
      const res = await fetch(url, { ...options, signal: ctrl.signal, cache: "no-store" });
      return { res, data: await res.json().catch(() => null) };
    } finally {
      clearTimeout(timer);
    }
  }

  // Resolves to {ok: true, messages} or {ok: false, retry, message}; never throws.
  async function postMessage(body) {
    try {
      const headers = { "Content-Type": "application/json" };
      const { res, data } = await request(API_URL, { method: "POST", headers, body: JSON.stringify(body) });
      if (res.ok) return { ok: true, messages: data?.messages, erased: data?.erased === true };
      if (res.status >= 500) return { ok: false, retry: true, message: T.network };
      const message = data?.error?.message;
      const text = typeof message === "string" && message ? message : T.rejected;
      // Over the flood limit, the message was kept: it is not shown as failed, nor resent.
      if (data?.error?.code === "rate_limited") return { ok: false, kept: true, message: text };
      return { ok: false, retry: res.status === 429, message: text };
    } catch {
      return { ok: false, retry: true, message: T.network };
    }
  }

  // Polling starts only once this device has written (nothing to fetch before).
  function canPoll() {
    const talked = state.lastId > 0 || state.history.some((e) => e.from === "user");
    return talked && document.visibilityState === "visible";
  }

  function schedulePoll() {
    clearTimeout(state.pollTimer);
    if (!canPoll()) return;
    const slow = state.pollErrors >= POLL_ERRORS_BEFORE_BACKOFF;
    state.pollTimer = setTimeout(poll, slow ? POLL_BACKOFF_MS : POLL_MS);
  }

  async function poll() {
    if (state.polling) { state.pollAgain = true; return; }
    if (state.busy || !canPoll()) { schedulePoll(); return; } // deliver() polls when done
    clearTimeout(state.pollTimer);
    state.polling = true;
    try {
      const query = `?user_id=${encodeURIComponent(state.userId)}&after=${state.lastId}`;
      const { res, data } = await request(API_URL + query);
      if (!res.ok || !data) throw new Error(`HTTP ${res.status}`);
      receive(data.messages);
      state.pollErrors = 0;
    } catch {
      state.pollErrors += 1;
    } finally {
      state.polling = false;
      if (state.pollAgain) { state.pollAgain = false; poll(); } else schedulePoll();
    }
  }

  // --- Sending ---------------------------------------------------------------

  function setBusy(on) {
    state.busy = on;
    sendBtn.setAttribute("aria-disabled", String(on));
    showTyping(on);
  }

  function setFailed(entry, node, failed) {
    entry.failed = failed;
    markFailed(node, failed);
    saveHistory();
  }

  async function deliver(body, entry, node) {
    setBusy(true);
    if (entry.failed) setFailed(entry, node, false);
    const result = await postMessage(body);
    setBusy(false);
    if (result.ok) {
      receive(result.messages);
      if (result.erased) forgetDevice();
    } else if (result.kept) {
      showNotice(result.message, null);
    } else {
      setFailed(entry, node, true); // the text stays visible and is resent as-is
      showNotice(result.message, result.retry ? () => deliver(body, entry, node) : null);
    }
    poll();
  }

  // Shows the user's message and sends it. Returns false if a send is in flight.
  function sendUserMessage(fields, text) {
    if (state.busy) return false;
    clearNotice();
    const entry = { from: "user", text };
    // The id makes a retry of the same body safe: the server answers it only once.
    const body = { user_id: state.userId, client_message_id: randomToken(12), ...fields };
    // The outreach code of the link or QR code that opened the chat (?src=…): the server
    // counts it on the first message only.
    const source = store.get(KEY.source);
    if (source) body.source = source;
    deliver(body, entry, addEntry(entry));
    return true;
  }

  function onChip(entry, button, box) {
    if (entry.used || !sendUserMessage({ payload: button.payload }, button.title)) return;
    entry.used = true;
    for (const chip of box.querySelectorAll("button")) chip.disabled = true;
    saveHistory();
  }

  function submitText() {
    // Cut by code points, as the server counts: never half an emoji.
    const text = Array.from(input.value.trim()).slice(0, MAX_LENGTH).join("");
    if (!text || !sendUserMessage({ text }, text)) return;
    input.value = "";
    updateInput();
  }

  // --- Input box and page events --------------------------------------------

  function updateInput() {
    // Grow with the content; CSS max-height caps it at ~4 lines.
    input.style.height = "auto";
    input.style.height = `${input.scrollHeight + input.offsetHeight - input.clientHeight}px`;
    const length = Array.from(input.value).length;
    counter.hidden = length <= COUNTER_FROM;
    counter.textContent = `${length} / ${MAX_LENGTH}`;
  }

  function onKeyDown(event) {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    submitText();
  }

  function onClear() {
    if (!window.confirm(T.confirmClear)) return;
    Object.values(KEY).forEach(store.remove);
    window.location.reload();
  }

  function rememberSource() {
    const source = attempt(() => new URLSearchParams(location.search).get("src"));
    if (source && SOURCE.test(source)) store.set(KEY.source, source);
  }

  function init() {
    rememberSource();
    loadState();
    if (state.history.length === 0) addEntry({ from: "bot", text: T.welcome });
    else for (const entry of state.history) appendToLog(renderEntry(entry));

    $("composer").addEventListener("submit", (event) => {
      event.preventDefault();
      submitText();
    });
    input.addEventListener("input", updateInput);
    input.addEventListener("keydown", onKeyDown);
    $("clear").addEventListener("click", onClear);
    document.addEventListener("visibilitychange", () => poll()); // poll() stops itself when hidden
    window.addEventListener("online", () => poll());
    updateInput();
    poll();
  }

  init();
})();
