// Herd's one hand-written ES module. Every page works without it; it only adds comfort:
// a confirmation before destructive forms, and a character counter on the compose box.

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

confirmForms();
counters();
