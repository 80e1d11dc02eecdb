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
