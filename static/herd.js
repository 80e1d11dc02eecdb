// Herd's one hand-written ES module. Every page works without it; it only adds comfort:
// a confirmation before destructive forms, a character counter on the compose box, and a
// draft of the compose box kept in this browser until the post is accepted.

const confirmForms = () => {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
};

const counters = () => {
  for (const field of document.querySelectorAll("textarea[data-max]")) {
    const out = document.getElementById(field.dataset.counter);
    if (!out) continue;
    const max = Number(field.dataset.max);
    const spoiler = field.form && field.form.elements.namedItem("spoiler_text");
    let timer = 0;
    const update = () => {
      const used = [...field.value].length + (spoiler ? [...spoiler.value].length : 0);
      out.textContent = String(max - used);
      out.classList.toggle("over", used > max);
    };
    const later = () => { clearTimeout(timer); timer = setTimeout(update, 150); };
    field.addEventListener("input", later);
    if (spoiler) spoiler.addEventListener("input", later);
    update();
  }
};

const drafts = () => {
  const form = document.getElementById("compose");
  const field = form && form.elements.namedItem("status");
  if (!field || !window.localStorage) return;
  const reply = form.elements.namedItem("in_reply_to_id");
  const key = "herd:draft:" + (reply ? reply.value : "new");
  const pending = key + ":sent";
  try {
    // Back after a submit with no error beside a field: the post was accepted.
    if (localStorage.getItem(pending) && !form.querySelector(".field-error")) {
      localStorage.removeItem(key);
    }
    localStorage.removeItem(pending);
    const saved = localStorage.getItem(key);
    // What the server put in the field (kept after an error, or a reply's handle) wins
    // unless the draft continues it.
    if (saved && saved.startsWith(field.value)) field.value = saved;
  } catch (_) { return; }
  let timer = 0;
  field.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      try { localStorage.setItem(key, field.value); } catch (_) { /* full or private */ }
    }, 300);
  });
  form.addEventListener("submit", () => {
    try {
      localStorage.setItem(key, field.value);
      localStorage.setItem(pending, "1");
    } catch (_) { /* full or private */ }
  });
};

confirmForms();
counters();
drafts();

// --- live: one live connection per tab (GET /live, server-sent events of rendered fragments);
// new items wait behind an "N new" button per column and are inserted only on request, so
// nothing moves under the reader; notifications counted in the title; status actions
// (favourite, boost, bookmark) answered in place with X-Herd-Fragment. ---
const live = () => {
  const text = document.getElementById("live-text");
  if (!text || !window.EventSource) return;
  const cols = new Map();
  for (const el of document.querySelectorAll("[data-live]")) cols.set(el.dataset.live, { el, pending: [], bar: null });
  const keys = [...cols.keys()];
  if (!cols.has("notifications")) keys.push("notifications");
  const title = document.title;
  let unseen = 0;
  const count = (n) => { unseen = Math.max(0, unseen + n); document.title = unseen ? `(${unseen}) ${title}` : title; };
  const parse = (html) => { const t = document.createElement("template"); t.innerHTML = html; return t.content.firstElementChild; };
  const busy = (node) => node && node.contains(document.activeElement);
  const feedOf = (col) => {
    let feed = col.el.querySelector("[role=feed], ul.deck-proposals");
    if (feed) return feed;
    feed = document.createElement("div");
    feed.className = "feed";
    feed.setAttribute("role", "feed");
    const h = col.el.querySelector("h1, h2") || document.querySelector("main h1");
    if (h && h.id) feed.setAttribute("aria-labelledby", h.id);
    let at = h;
    while (at && at.parentElement !== col.el) at = at.parentElement;
    col.el.insertBefore(feed, at ? at.nextSibling : col.el.firstChild);
    return feed;
  };
  const show = (col) => {
    if (!col.bar) {
      col.bar = document.createElement("div");
      col.bar.className = "live-bar";
      col.bar.setAttribute("role", "status");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "secondary";
      b.addEventListener("click", () => insert(col));
      col.bar.append(b);
      const feed = feedOf(col);
      if (col.el.hasAttribute("data-append")) feed.after(col.bar); else feed.before(col.bar);
    }
    col.bar.hidden = !col.pending.length;
    col.bar.firstChild.textContent = text.dataset.new.replace("{n}", col.pending.length);
  };
  const insert = (col) => {
    const feed = feedOf(col);
    const append = col.el.hasAttribute("data-append");
    feed.setAttribute("aria-busy", "true");
    let newest = null;
    for (const html of col.pending.splice(0)) {
      const node = parse(html);
      if (!node || (node.id && document.getElementById(node.id))) continue;
      if (append) { feed.append(node); newest = newest || node; } else { feed.prepend(node); newest = node; }
      if (col.el.dataset.live === "notifications") count(-1);
    }
    feed.setAttribute("aria-busy", "false");
    show(col);
    if (newest) { newest.tabIndex = -1; newest.focus(); }
  };
  const src = new EventSource("/live?streams=" + encodeURIComponent(keys.join(",")) +
    (document.querySelector("[data-deck]") ? "&deck=1" : ""));
  // Marks the page as following (tests and styles can tell).
  src.addEventListener("open", () => { document.body.dataset.live = "open"; });
  const data = (e) => { try { return JSON.parse(e.data); } catch (_) { return {}; } };
  const queue = (d) => { const col = cols.get(d.col); if (col && d.html) { col.pending.push(d.html); show(col); } };
  const replace = (d) => {
    const node = parse(d.html || "");
    const old = node && node.id && document.getElementById(node.id);
    if (old && !busy(old)) old.replaceWith(node);
    return Boolean(old);
  };
  src.addEventListener("status", (e) => queue(data(e)));
  src.addEventListener("notification", (e) => { count(1); queue(data(e)); });
  src.addEventListener("edit", (e) => replace(data(e)));
  src.addEventListener("tally", (e) => replace(data(e)));
  src.addEventListener("proposal", (e) => { const d = data(e); if (!replace(d)) queue(d); });
  src.addEventListener("delete", (e) => {
    const d = data(e);
    const col = cols.get(d.col);
    if (!col) return;
    col.pending = col.pending.filter((h) => !h.includes(`s-${d.id}"`));
    for (const a of col.el.querySelectorAll(`article[id$="s-${d.id}"]`)) if (!busy(a)) a.remove();
    show(col);
  });
  src.addEventListener("gap", () => {
    src.close();
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text.dataset.gap;
    b.addEventListener("click", () => location.reload());
    const bar = document.createElement("div");
    bar.className = "live-bar";
    bar.setAttribute("role", "status");
    bar.append(b);
    document.getElementById("main").prepend(bar);
  });
  // Status actions in place: the answer is the status as this reader now sees it.
  document.addEventListener("submit", async (e) => {
    const form = e.target;
    const article = form.closest("article.status");
    if (!article || !/\/(un)?(favourite|reblog|bookmark)$/.test(form.action)) return;
    e.preventDefault();
    const footer = article.querySelector(":scope > footer");
    const index = [...footer.querySelectorAll("button, a")].indexOf(e.submitter);
    try {
      const res = await fetch(form.action, { method: "POST", body: new URLSearchParams(new FormData(form)),
        headers: { "X-Herd-Fragment": "1" }, credentials: "same-origin" });
      const fresh = res.ok && parse(await res.text());
      const next = fresh && fresh.querySelector(":scope > footer");
      if (!next) throw new Error("no fragment");
      footer.replaceWith(next);
      const again = next.querySelectorAll("button, a")[index];
      if (again) again.focus();
    } catch (_) { form.submit(); }
  });
};

live();
