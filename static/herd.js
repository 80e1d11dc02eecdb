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

// --- pages14: Mastodon's keyboard shortcuts (j/k, r, b, f, n, /, g+h/n/l/t, ? for the list) ---
// On only where the page carries the list (#shortcuts: a member who keeps them on), never
// while typing in a field or with a modifier held, so no key is taken from assistive tools.
const shortcuts = () => {
  const help = document.getElementById("shortcuts");
  if (!help) return;
  const posts = () => [...document.querySelectorAll("article.status")];
  const current = () => document.activeElement && document.activeElement.closest("article.status");
  const move = (step) => {
    const all = posts();
    if (!all.length) return;
    const at = all.indexOf(current());
    const next = all[at < 0 ? 0 : Math.min(all.length - 1, Math.max(0, at + step))];
    next.tabIndex = -1;
    next.focus();
  };
  const act = (pattern) => {
    const post = current();
    const form = post && [...post.querySelectorAll("form")].find((f) => pattern.test(f.getAttribute("action")));
    if (form) form.requestSubmit();
  };
  const go = { h: "/home", n: "/notifications", l: "/local", t: "/federated" };
  let prefix = false;
  document.addEventListener("keydown", (event) => {
    const t = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (t.closest && t.closest("input, textarea, select, [contenteditable], dialog[open]")) return;
    const key = event.key;
    if (prefix) {
      prefix = false;
      if (go[key]) { event.preventDefault(); location.assign(go[key]); }
      return;
    }
    const field = (id, fallback) => {
      const el = document.getElementById(id);
      if (el) el.focus(); else location.assign(fallback);
    };
    const keys = {
      j: () => move(1),
      k: () => move(-1),
      r: () => { const a = current() && current().querySelector('a[href*="in_reply_to_id"]'); if (a) a.click(); },
      b: () => act(/\/(un)?reblog$/),
      f: () => act(/\/(un)?favourite$/),
      n: () => field("status", "/home#compose"),
      "/": () => field("q", "/search"),
      g: () => { prefix = true; },
      "?": () => help.showModal(),
    };
    if (!keys[key]) return;
    event.preventDefault();
    keys[key]();
  });
};

shortcuts();
// --- treasurer: the transaction form's running sum, in exact minor units ---
const ledgerSums = () => {
  for (const form of document.querySelectorAll("form[data-ledger-sum]")) {
    const out = document.getElementById(form.dataset.ledgerSum);
    if (!out) continue;
    const exp = Number(form.dataset.exponent || 2);
    const minor = (text) => {
      const m = /^\s*([+-]?)\s*(\d+)(?:\.(\d*))?\s*$/.exec(text);
      if (!m || (m[3] || "").length > exp) return null;
      const v = BigInt(m[2] + (m[3] || "").padEnd(exp, "0"));
      return m[1] === "-" ? -v : v;
    };
    const shown = (v) => {
      const digits = (v < 0n ? -v : v).toString().padStart(exp + 1, "0");
      const whole = exp ? digits.slice(0, -exp) + "." + digits.slice(-exp) : digits;
      return (v < 0n ? "-" : "") + whole;
    };
    let timer = 0;
    const update = () => {
      let sum = 0n;
      for (const field of form.querySelectorAll("input[data-amount]")) {
        const v = field.value.trim() ? minor(field.value) : 0n;
        if (v !== null) sum += v;
      }
      const text = sum === 0n ? form.dataset.balanced : form.dataset.unbalanced;
      out.textContent = text.replace("%SUM%", shown(sum));
      out.parentElement.classList.toggle("unbalanced", sum !== 0n);
    };
    form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 200); });
  }
};
ledgerSums();
// --- govadmin: the proposal's countdown, the dot ballot's budget, the amendment's live diff ---
const countdowns = () => {
  const lang = document.documentElement.lang || "en";
  const words = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  const units = [["day", 86400], ["hour", 3600], ["minute", 60]];
  for (const time of document.querySelectorAll("time[data-countdown]")) {
    const at = Date.parse(time.getAttribute("datetime"));
    if (Number.isNaN(at)) continue;
    const out = document.createElement("span");
    out.className = "countdown";
    time.after(out);
    const update = () => {
      const s = Math.round((at - Date.now()) / 1000);
      if (s <= 0) { out.textContent = ""; return; }
      const [unit, size] = units.find(([, n]) => s >= n) || units[2];
      out.textContent = " (" + words.format(Math.max(1, Math.floor(s / size)), unit) + ")";
    };
    update();
    setInterval(update, 30000);
  }
};

const dotBudget = () => {
  const hint = document.querySelector("[data-dots-budget]");
  const form = hint && hint.closest("form");
  if (!form) return;
  const budget = Number(hint.dataset.dotsBudget);
  const fields = [...form.querySelectorAll("input[name^='dots[']")];
  const out = document.createElement("p");
  out.id = "dots-left";
  out.setAttribute("aria-live", "polite");
  hint.after(out);
  const update = () => {
    const used = fields.reduce((sum, f) => sum + (Number(f.value) || 0), 0);
    out.textContent = hint.dataset.dotsLabel + " " + (budget - used);
    out.classList.toggle("over", used > budget);
  };
  for (const f of fields) f.addEventListener("input", update);
  update();
};

// Asks the server's own preview (POST /proposals/new with `preview`) and shows its diff.
const amendmentPreview = () => {
  const text = document.querySelector("form.proposal-form textarea[name='payload[text]']");
  const button = text && text.form.querySelector("button[name='preview']");
  if (!button) return;
  let timer = 0;
  let asked = 0;
  const show = async () => {
    const mine = ++asked;
    // URL-encoded, as the plain form posts it (FormData alone would send multipart).
    const body = new URLSearchParams(new FormData(text.form));
    body.set("preview", "1");
    try {
      const answer = await fetch(text.form.action, { method: "POST", body, credentials: "same-origin" });
      const page = new DOMParser().parseFromString(await answer.text(), "text/html");
      if (mine !== asked) return;
      const fresh = page.querySelector("section.diff");
      const old = text.form.querySelector("section.diff");
      if (fresh && old) old.replaceWith(document.importNode(fresh, true));
      else if (fresh) button.after(document.importNode(fresh, true));
      else if (old) old.remove();
    } catch (_) { /* offline: the preview button still works */ }
  };
  text.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(show, 800); });
};

countdowns();
dotBudget();
amendmentPreview();
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
  const data = (e) => { try { return JSON.parse(e.data); } catch (_) { return {}; } };
  const queue = (d) => { const col = cols.get(d.col); if (col && d.html) { col.pending.push(d.html); show(col); } };
  const replace = (d) => {
    const node = parse(d.html || "");
    const old = node && node.id && document.getElementById(node.id);
    if (old && !busy(old)) old.replaceWith(node);
    return Boolean(old);
  };
  const gap = () => {
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
  };
  const on = {
    status: (e) => queue(data(e)),
    notification: (e) => { count(1); queue(data(e)); },
    edit: (e) => replace(data(e)),
    tally: (e) => replace(data(e)),
    proposal: (e) => { const d = data(e); if (!replace(d)) queue(d); },
    delete: (e) => {
      const d = data(e);
      const col = cols.get(d.col);
      if (!col) return;
      col.pending = col.pending.filter((h) => !h.includes(`s-${d.id}"`));
      for (const a of col.el.querySelectorAll(`article[id$="s-${d.id}"]`)) if (!busy(a)) a.remove();
      show(col);
    },
    gap,
    hello: () => {},
  };
  // The connection closes when the reader leaves the page: a browser holds six connections
  // per server over HTTP/1.1, and pages kept for "back" with their streams open starved the
  // next page's requests for a minute. A page shown again from that cache follows on from
  // the last event it had (the server's `hello` gives it one to start from).
  let src = null;
  let last = "";
  const connect = () => {
    src = new EventSource("/live?streams=" + encodeURIComponent(keys.join(",")) +
      (document.querySelector("[data-deck]") ? "&deck=1" : "") +
      (last ? "&last_event_id=" + encodeURIComponent(last) : ""));
    // Marks the page as following (tests and styles can tell).
    src.addEventListener("open", () => { document.body.dataset.live = "open"; });
    for (const [name, handle] of Object.entries(on)) {
      src.addEventListener(name, (e) => { if (e.lastEventId) last = e.lastEventId; handle(e); });
    }
  };
  connect();
  addEventListener("pagehide", () => { src.close(); delete document.body.dataset.live; });
  addEventListener("pageshow", (e) => { if (e.persisted) { if (last) connect(); else location.reload(); } });
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
// --- fragments: the follow button and the ballot answered in place (X-Herd-Fragment) ---
// The answer is the part the form changed (#relationship: the profile's buttons; #voting: the
// receipt, my vote and the ballot), swapped in with focus kept on the field in error, the
// receipt, or the button pressed. Anything else: the plain form.
const inPlace = () => {
  document.addEventListener("submit", async (e) => {
    const form = e.target;
    const box = form.closest("#relationship, #voting");
    if (e.defaultPrevented || !box || !(form.id === "ballot" || /\/(un)?follow$/.test(form.action))) return;
    e.preventDefault();
    try {
      const res = await fetch(form.action, { method: "POST", body: new URLSearchParams(new FormData(form)),
        headers: { "X-Herd-Fragment": "1" }, credentials: "same-origin" });
      if (!res.ok && res.status !== 422) throw new Error(String(res.status));
      const t = document.createElement("template");
      t.innerHTML = await res.text();
      const fresh = t.content.getElementById(box.id);
      if (!fresh) throw new Error("no fragment");
      box.replaceWith(fresh);
      const bad = fresh.querySelector("[aria-invalid=true]");
      const receipt = fresh.querySelector(".receipt");
      const at = bad ? (bad.matches("fieldset") ? bad.querySelector("input, select") : bad)
        : receipt || fresh.querySelector("form button");
      if (at === receipt && receipt) receipt.tabIndex = -1;
      if (at) at.focus();
      if (box.id === "voting") dotBudget();
    } catch (_) { form.submit(); }
  });
};
inPlace();

// --- imports: refreshes the progress of a running import on /settings/import ---
(() => {
  const poll = async () => {
    const box = document.getElementById("imports");
    if (!box || !box.dataset.poll) return;
    try {
      const res = await fetch(box.dataset.poll, { credentials: "same-origin" });
      const html = res.ok ? await res.text() : "";
      const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("imports");
      if (!fresh) return;
      box.replaceWith(fresh);
    } catch (_) { return; }
    setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
})();
