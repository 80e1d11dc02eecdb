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
