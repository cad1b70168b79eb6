// The playground page: a thin renderer of GET /playground/api/state.
// Every word it shows comes from the server (the message catalog); every action is a POST
// to the playground's API, and the server decides. Server-sent events say when to refetch.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const query = new URLSearchParams(location.search);
  const ui = {
    persona: query.get("as"),
    channel: query.get("channel"),
    thread: null, // the root message id of the open thread
    state: null,
    source: null, // the EventSource
    seen: {}, // persona -> channel -> messages seen
    noticesSince: null, // the seq when this persona and channel were opened: older notices hide
    dismissed: new Set(),
    announced: new Set(),
    timelines: new Set(), // case ids whose timeline is open
    personasBuilt: false,
    returnFocus: null,
  };

  // --- small helpers ---------------------------------------------------------------------

  async function api(path, body) {
    const init = body === undefined ? {} : {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    };
    const response = await fetch(path, init);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || response.statusText);
    return data;
  }

  function t(key, params = {}) {
    const template = (ui.state && ui.state.text[key]) || key;
    return template.replace(/\{(\w+)\}/g, (all, name) => (name in params ? params[name] : all));
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name === "focusKey") node.dataset.focusKey = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }

  const TIME_STYLES = {
    today: { timeStyle: "short" },
    full: { dateStyle: "medium", timeStyle: "short" },
    compact: { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" },
  };

  // A time: "full" or "compact", or for a message its time alone when it is from today.
  function when(iso, style) {
    const at = new Date(iso);
    const chosen = style || (new Date().toDateString() === at.toDateString() ? "today" : "full");
    const words = new Intl.DateTimeFormat(ui.state.language, TIME_STYLES[chosen]).format(at);
    return el("time", { datetime: iso, text: words });
  }

  // Text as the server split it: mentions are isolated, so "@Name" reads right in Hebrew too.
  function withMentions(parts) {
    return parts.map(([kind, words]) => (kind === "mention" ? el("bdi", { class: "mention", text: words }) : words));
  }

  function channelOf(id) {
    return ui.state.channels.find((c) => c.id === id);
  }

  function findMessage(id) {
    for (const channel of ui.state.channels) {
      for (const message of channel.messages) {
        if (message.id === id) return { channel, message };
        if (message.replies.some((r) => r.id === id)) return { channel, message, reply: id };
      }
    }
    return null;
  }

  function count(channel) {
    return channel.messages.reduce((n, m) => n + 1 + m.replies.length, 0);
  }

  function showError(error) {
    const box = $("error");
    box.textContent = error.message || String(error);
    box.hidden = false;
  }

  // --- loading and live updates ----------------------------------------------------------

  // Every state request gets a ticket; only the newest one's answer is shown, so a late
  // answer (e.g. for the persona acted as before a switch) never undoes what came after it.
  let latest = 0;
  async function load() {
    const ticket = ++latest;
    const persona = ui.persona ? `?persona=${encodeURIComponent(ui.persona)}` : "";
    const state = await api(`/playground/api/state${persona}`).catch((error) => {
      if (ticket === latest) throw error; // a superseded request's failure is no news either
    });
    if (ticket !== latest) return;
    ui.state = state;
    ui.persona = state.persona;
    if (ui.noticesSince === null) ui.noticesSince = state.seq;
    $("error").hidden = true;
    if (!channelOf(ui.channel)) ui.channel = state.channels[0].id;
    if (ui.thread && !findMessage(ui.thread)) ui.thread = null;
    render();
  }

  // One request in flight; changes meanwhile make one more. `now` starts a new request at
  // once (after a persona switch), leaving the one in flight to be ignored.
  let loading = null;
  let again = false;
  function refresh(now = false) {
    if (loading && !now) {
      again = true;
      return;
    }
    const current = load()
      .catch(showError)
      .finally(() => {
        if (loading !== current) return;
        loading = null;
        if (again) {
          again = false;
          refresh();
        }
      });
    loading = current;
  }

  function connect() {
    if (ui.source) ui.source.close();
    setLive(false); // until this persona's stream is open
    const source = new EventSource(`/playground/events?persona=${encodeURIComponent(ui.persona)}`);
    source.addEventListener("change", () => refresh());
    source.addEventListener("open", () => setLive(true));
    source.addEventListener("error", () => setLive(false));
    ui.source = source;
  }

  function setLive(live) {
    const status = $("live");
    status.dataset.live = live;
    if (ui.state) status.textContent = t(live ? "live" : "reconnecting");
  }

  // --- rendering -------------------------------------------------------------------------

  function render() {
    const focused = document.activeElement && document.activeElement.dataset.focusKey;
    const stick = atBottom($("messages"));
    renderChrome();
    renderPersonas();
    renderChannels();
    renderConversation();
    renderThread();
    document.body.dataset.persona = ui.persona; // whose state the page shows
    announceNotices();
    markSeen();
    history.replaceState(null, "", `?as=${encodeURIComponent(ui.persona)}&channel=${encodeURIComponent(ui.channel)}`);
    if (stick) scrollToEnd($("messages"));
    if (focused) {
      const again = document.querySelector(`[data-focus-key="${CSS.escape(focused)}"]`);
      if (again) again.focus();
    }
  }

  function atBottom(box) {
    return box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  }

  function scrollToEnd(box) {
    box.scrollTop = box.scrollHeight;
  }

  function renderChrome() {
    $("skip").textContent = t("skip");
    $("tagline").textContent = t("tagline");
    $("persona-label").textContent = t("persona");
    $("channels-heading").textContent = t("channels");
    $("dms-heading").textContent = t("direct_messages");
    $("composer-send").textContent = t("send");
    $("thread-heading").textContent = t("thread");
    $("thread-close").textContent = t("close_thread");
    $("thread-label").textContent = t("reply_label");
    $("thread-send").textContent = t("send");
    setLive($("live").dataset.live !== "false");
  }

  function renderPersonas() {
    const select = $("persona");
    if (!ui.personasBuilt) {
      const groups = new Map();
      for (const persona of ui.state.personas) {
        if (!groups.has(persona.group)) groups.set(persona.group, el("optgroup", { label: persona.group }));
        groups.get(persona.group).append(
          el("option", { value: persona.id, text: persona.label }),
        );
      }
      select.replaceChildren(...groups.values());
      ui.personasBuilt = true;
    }
    select.value = ui.persona;
  }

  function seenOf(persona) {
    if (!ui.seen[persona]) {
      // A persona's first look: what is already in channels counts as seen, DMs do not.
      ui.seen[persona] = Object.fromEntries(
        ui.state.channels.map((c) => [c.id, c.kind === "dm" ? 0 : count(c)]),
      );
    }
    return ui.seen[persona];
  }

  function markSeen() {
    seenOf(ui.persona)[ui.channel] = count(channelOf(ui.channel));
  }

  function renderChannels() {
    const seen = seenOf(ui.persona);
    const item = (channel) => {
      const fresh = Math.max(0, count(channel) - (seen[channel.id] || 0));
      const current = channel.id === ui.channel;
      return el("li", {},
        el("button", {
          type: "button",
          class: `channel${current ? " current" : ""}${fresh && !current ? " unread" : ""}`,
          "aria-current": current ? "page" : null,
          focusKey: `channel:${channel.id}`,
          onclick: () => openChannel(channel.id),
        },
        el("span", { class: "sigil", "aria-hidden": "true", text: channel.kind === "dm" ? "●" : "#" }),
        el("span", { class: "name", text: channel.name }),
        fresh && !current ? el("span", { class: "badge", text: String(fresh), title: t("unread", { count: fresh }) },
          el("span", { class: "visually-hidden", text: ` ${t("unread", { count: fresh })}` })) : null));
    };
    const channels = ui.state.channels.filter((c) => c.kind !== "dm");
    const dms = ui.state.channels.filter((c) => c.kind === "dm");
    $("channels").replaceChildren(...channels.map(item));
    $("dms").replaceChildren(...dms.map(item));
    $("dms-heading").hidden = dms.length === 0;
  }

  function renderConversation() {
    const channel = channelOf(ui.channel);
    $("channel-name").replaceChildren(
      el("span", { class: "sigil", "aria-hidden": "true", text: channel.kind === "dm" ? "" : "#" }),
      channel.name,
    );
    $("channel-topic").textContent = channel.topic;
    $("channel-members").textContent = channel.members;
    // A DM takes commands (a complaint that came by phone or mail), not messages.
    const dm = channel.kind === "dm";
    $("composer-hint").textContent = t(dm ? "hint_dm" : "hint");
    $("composer-label").textContent = t("message_label", { channel: dm ? channel.name : `#${channel.name}` });
    const messages = channel.messages.map((m) => renderMessage(m, channel, false));
    const list = messages.length
      ? el("ol", { class: "message-list" }, messages.map((m) => el("li", {}, m)))
      : el("p", { class: "empty", text: t("empty") });
    $("messages").replaceChildren(list);
    renderNotices();
  }

  function renderThread() {
    const pane = $("thread");
    const found = ui.thread && findMessage(ui.thread);
    pane.hidden = !found;
    document.body.classList.toggle("with-thread", Boolean(found));
    if (!found) return;
    const { channel, message } = found;
    const stick = atBottom($("thread-messages"));
    $("thread-heading").textContent = `${t("thread")} · #${channel.name}`;
    $("thread-composer").hidden = channel.kind === "dm";
    $("thread-messages").replaceChildren(
      renderMessage(message, channel, true),
      el("ol", { class: "message-list replies" },
        message.replies.map((r) => el("li", {}, renderMessage(r, channel, true)))),
    );
    if (stick) scrollToEnd($("thread-messages"));
  }

  // Ephemeral answers to this persona, newest first (the server keeps only a persona's few
  // newest): this channel's, since the persona and the channel were opened, until dismissed.
  function freshNotices() {
    return ui.state.notices.filter((n) =>
      n.channel === ui.channel && n.seq > ui.noticesSince && !ui.dismissed.has(n.id));
  }

  // Shown above the composer, so they show wherever one scrolled.
  function renderNotices() {
    $("notices").replaceChildren(...freshNotices().map((notice) =>
      el("div", { class: "notice", id: `notice-${notice.id}` },
        el("p", { class: "only-you", text: t("only_you") }),
        el("p", { class: "notice-text", dir: "auto", text: notice.text }),
        el("button", {
          type: "button",
          class: "btn quiet",
          focusKey: `dismiss:${notice.id}`,
          onclick: () => {
            ui.dismissed.add(notice.id);
            render();
          },
        }, t("dismiss")))));
  }

  function announceNotices() {
    for (const notice of freshNotices().reverse()) {
      if (ui.announced.has(notice.id)) continue;
      ui.announced.add(notice.id);
      $("announcer").textContent = notice.text;
    }
  }

  function renderMessage(message, channel, inThread) {
    const initial = (message.display.trim()[0] || "?").toUpperCase();
    // dir="auto": each text reads in its own direction (Hebrew in an English page, too).
    const text = message.card
      ? null
      : el("p", { class: "text", dir: "auto" }, withMentions(message.parts));
    return el("article", {
      class: `message${message.bot ? " from-bot" : ""}`,
      id: `${inThread ? "thread-" : ""}msg-${message.id}`,
      tabindex: "-1",
      focusKey: `${inThread ? "thread" : "msg"}:${message.id}`,
    },
    el("div", { class: "avatar", "aria-hidden": "true", text: message.bot ? "⚖" : initial }),
    el("div", { class: "body" },
      el("p", { class: "meta" },
        el("span", { class: "author", text: message.display }),
        message.bot ? el("span", { class: "bot-badge", text: t("bot_badge") }) : null,
        when(message.at)),
      text,
      message.card ? renderCard(message.card, message, inThread) : null,
      renderButtons(message.buttons, message.id, null),
      renderLinks(message),
      renderReactions(message),
      renderActions(message, channel, inThread)));
  }

  function renderButtons(buttons, messageId, label) {
    if (!buttons.length) return null;
    return el("div", { class: "actions", role: "group", "aria-label": label },
      buttons.map((b) => el("button", {
        type: "button",
        class: `btn ${b.style}`,
        focusKey: `${messageId}:${b.action}`,
        onclick: () => press(b.action, b.case_id, `${messageId}:${b.action}`),
      }, b.label)));
  }

  function renderLinks(message) {
    if (!message.links.length) return null;
    return el("ul", { class: "links" }, message.links.map((link, i) => el("li", {},
      el("button", {
        type: "button",
        class: "link",
        focusKey: `${message.id}:link${i}`,
        onclick: () => jump(link.channel, link.message),
      }, `→ ${link.label}`))));
  }

  function renderReactions(message) {
    if (!message.reactions.length) return null;
    return el("p", { class: "reactions" }, message.reactions.map((r) => {
      const who = t("reacted", { emoji: r.glyph, people: r.people.join(", ") });
      return el("span", { class: "reaction", title: who },
        el("span", { "aria-hidden": "true", text: `${r.glyph} ${r.people.length}` }),
        el("span", { class: "visually-hidden", text: who }));
    }));
  }

  function renderActions(message, channel, inThread) {
    const actions = [];
    if (!inThread && channel.kind !== "dm") {
      const replies = message.replies.length;
      const label = replies === 0 ? t("open_thread") : replies === 1 ? t("reply_one") : t("replies", { count: replies });
      actions.push(el("button", {
        type: "button",
        class: `link${replies ? " replies" : ""}`,
        focusKey: `${message.id}:thread`,
        "aria-expanded": String(ui.thread === message.id),
        onclick: () => openThread(message.id),
      }, label));
    }
    if (channel.kind === "client" && !message.bot) {
      const flag = t("flag", { emoji: ui.state.trigger.glyph });
      actions.push(el("button", {
        type: "button",
        class: "react",
        title: flag,
        "aria-label": flag,
        focusKey: `${inThread ? "thread" : "msg"}:${message.id}:flag`,
        onclick: () => react(message.id),
      }, el("span", { "aria-hidden": "true", text: "⚑" })));
    }
    return actions.length ? el("div", { class: "message-actions" }, actions) : null;
  }

  function renderCard(card, message, inThread) {
    const id = `${inThread ? "thread-" : ""}card-${card.case_id}`;
    const field = (f) => el("div", { class: "field" },
      el("dt", { text: f.label }),
      el("dd", {}, f.at ? when(f.at, "full") : f.value));
    const section = (s) => el("section", { class: "card-section" },
      el("h4", { text: s.heading }),
      s.items.map((item) => el("div", { class: `item${item.muted ? " muted" : ""}` },
        item.title || item.at ? el("p", { class: "item-title" },
          item.title ? el("strong", { text: item.title }) : null,
          item.at ? " · " : null,
          item.at ? when(item.at, "compact") : null) : null,
        item.parts.length ? el("p", { class: "item-text", dir: "auto" }, withMentions(item.parts)) : null)));
    const timeline = el("details", {
      class: "timeline",
      open: ui.timelines.has(card.case_id),
      ontoggle: (event) => {
        if (event.target.open) ui.timelines.add(card.case_id);
        else ui.timelines.delete(card.case_id);
      },
    },
    el("summary", { focusKey: `${id}:timeline` }, `${card.timeline.heading} (${card.timeline.items.length})`),
    el("ol", {}, card.timeline.items.map((item) =>
      el("li", {}, when(item.at, "compact"), el("span", { class: "line", dir: "auto" }, withMentions(item.parts))))));
    return el("section", { class: `card status-${card.status}`, "aria-labelledby": `${id}-title`, "data-case": card.case_id },
      el("header", { class: "card-header" },
        el("h3", { id: `${id}-title`, text: card.title }),
        el("span", { class: `status status-${card.status}`, text: card.status_label })),
      card.abuse ? el("p", { class: "abuse", role: "note", text: `⚠ ${card.abuse}` }) : null,
      el("dl", { class: "fields" }, card.fields.map(field)),
      card.sections.map(section),
      el("p", {},
        el("button", {
          type: "button",
          class: "link",
          focusKey: `${id}:source`,
          onclick: () => jump(card.source.channel, card.source.message),
        }, `→ ${card.source.label}`)),
      renderButtons(card.buttons, message.id, card.actions_label),
      timeline);
  }

  // --- navigation ------------------------------------------------------------------------

  // Leaving a channel (or a persona) clears its notices, as leaving an ephemeral answer does.
  function setChannel(id) {
    if (id !== ui.channel) ui.noticesSince = ui.state.seq;
    ui.channel = id;
  }

  function openChannel(id) {
    setChannel(id);
    ui.thread = null;
    render();
    scrollToEnd($("messages"));
  }

  function openThread(id) {
    ui.thread = id;
    render();
    $("thread-text").focus();
  }

  // Follow a link: a client thread opens beside its channel; a card shows in place.
  function jump(channelId, messageId) {
    const found = findMessage(messageId);
    if (!found || !channelOf(channelId)) return;
    setChannel(channelId);
    ui.thread = found.channel.kind === "client" ? found.message.id : null;
    render();
    const target = $(`msg-${found.message.id}`);
    if (target) {
      target.scrollIntoView({ block: "center" });
      target.focus();
    }
  }

  // --- acting ----------------------------------------------------------------------------

  async function send(textarea, thread) {
    const words = textarea.value.trim();
    if (!words) return;
    const persona = ui.persona;
    try {
      const answer = await api("/playground/api/messages", {
        persona, channel: ui.channel, text: words, thread,
      });
      textarea.value = "";
      if (answer.form && persona === ui.persona) openForm(answer.form, persona, textarea);
      if (answer.review && persona === ui.persona) openReview(answer.review, textarea);
      refresh();
    } catch (error) {
      showError(error);
    }
  }

  async function react(messageId) {
    try {
      await api("/playground/api/reactions", {
        persona: ui.persona, channel: ui.channel, message: messageId, emoji: ui.state.trigger.name,
      });
      refresh();
    } catch (error) {
      showError(error);
    }
  }

  async function press(action, caseId, focusKey) {
    const persona = ui.persona;
    try {
      const answer = await api("/playground/api/buttons", {
        persona, channel: ui.channel, action, case_id: caseId,
      });
      ui.returnFocus = focusKey;
      if (answer.form && persona === ui.persona) openForm(answer.form, persona);
      refresh();
    } catch (error) {
      showError(error);
    }
  }

  // --- forms -----------------------------------------------------------------------------

  function renderField(field) {
    const id = `field-${field.name}`;
    if (field.kind === "textarea") {
      const box = el("textarea", { id, name: field.name, rows: "4", required: field.required, maxlength: field.max_length });
      box.value = field.value || "";
      return el("div", { class: "form-field" }, el("label", { for: id, text: field.label }), box);
    }
    if (field.kind === "select") {
      const select = el("select", { id, name: field.name },
        field.options.map((o) => el("option", { value: o.value, text: o.label })));
      select.value = field.value || field.options[0].value;
      return el("div", { class: "form-field" }, el("label", { for: id, text: field.label }), select);
    }
    if (field.kind === "checkbox") {
      return el("div", { class: "form-field check" },
        el("input", { type: "checkbox", id, name: field.name }),
        el("label", { for: id, text: field.label }));
    }
    const type = field.kind === "radio" ? "radio" : "checkbox";
    const chosen = new Set([].concat(field.value || []));
    return el("fieldset", { class: "form-field choices" },
      el("legend", { text: field.label }),
      field.options.map((o, i) => el("div", { class: "check" },
        el("input", {
          type,
          id: `${id}-${i}`,
          name: field.name,
          value: o.value,
          required: type === "radio" && field.required,
          checked: chosen.has(o.value),
        }),
        el("label", { for: `${id}-${i}`, text: o.label }))));
  }

  function readField(form, field) {
    const inputs = [...form.querySelectorAll(`[name="${field.name}"]`)];
    if (field.kind === "checkboxes") return inputs.filter((i) => i.checked).map((i) => i.value);
    if (field.kind === "checkbox") return inputs[0].checked;
    if (field.kind === "radio") return (inputs.find((i) => i.checked) || { value: "" }).value;
    return inputs[0].value;
  }

  // A form is for the persona who asked for it; one that arrives after a switch is dropped.
  function openForm(spec, persona, returnTo) {
    const dialog = $("form-dialog");
    const error = el("p", { class: "form-error", id: "form-error", role: "alert" });
    const form = el("form", { class: "form", "aria-describedby": "form-error" },
      el("h2", { id: "form-title", text: spec.title }),
      spec.intro ? el("p", { class: "intro", text: spec.intro }) : null,
      spec.fields.map(renderField),
      error,
      el("div", { class: "form-buttons" },
        el("button", { type: "button", class: "btn", onclick: () => dialog.close() }, spec.cancel),
        el("button", { type: "submit", class: "btn primary" }, spec.submit)));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const values = Object.fromEntries(spec.fields.map((f) => [f.name, readField(form, f)]));
      try {
        const answer = await api(`/playground/api/forms/${encodeURIComponent(spec.id)}`, {
          persona, values,
        });
        if (!answer.ok) {
          error.textContent = answer.error;
          return;
        }
        dialog.close();
        refresh();
      } catch (failure) {
        error.textContent = failure.message;
      }
    });
    dialog.onclose = () => {
      const back = ui.returnFocus && document.querySelector(`[data-focus-key="${CSS.escape(ui.returnFocus)}"]`);
      ui.returnFocus = null;
      (back || returnTo || $("conversation")).focus();
    };
    dialog.replaceChildren(form);
    dialog.showModal();
    const first = form.querySelector("textarea, select, input");
    if (first) first.focus();
  }

  // --- the leads' review ----------------------------------------------------------------

  // The server draws the review as HTML with every text escaped; the page shows it to the
  // persona who asked, in a dialog, its times in the reader's locale.
  function openReview(html, returnTo) {
    const dialog = $("review-dialog");
    const body = document.createElement("template");
    body.innerHTML = html;
    for (const time of body.content.querySelectorAll("time")) {
      time.textContent = new Intl.DateTimeFormat(ui.state.language, { dateStyle: "medium" })
        .format(new Date(time.dateTime));
    }
    const close = el("button", { type: "button", class: "btn", onclick: () => dialog.close() }, t("close"));
    dialog.replaceChildren(body.content, el("div", { class: "form-buttons" }, close));
    dialog.onclose = () => (returnTo || $("conversation")).focus();
    dialog.showModal();
    close.focus();
  }

  // --- start -----------------------------------------------------------------------------

  function composer(formId, textareaId, thread) {
    const form = $(formId);
    const textarea = $(textareaId);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      send(textarea, thread());
    });
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
  }

  composer("composer", "composer-text", () => null);
  composer("thread-composer", "thread-text", () => ui.thread);
  $("thread-close").addEventListener("click", () => {
    const root = ui.thread;
    ui.thread = null;
    render();
    const back = document.querySelector(`[data-focus-key="${CSS.escape(`${root}:thread`)}"]`);
    if (back) back.focus();
  });
  $("persona").addEventListener("change", (event) => {
    ui.persona = event.target.value;
    ui.noticesSince = ui.state.seq;
    ui.thread = null;
    connect();
    refresh(true);
  });

  load()
    .then(connect)
    .catch(showError);
})();
