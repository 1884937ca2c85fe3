/* The markdownx editor turns Tab into indentation, which traps keyboard users in the
   textarea. Tab and Shift+Tab move focus as everywhere else; indent with spaces. */
document.addEventListener(
  "keydown",
  (event) => {
    if (event.key === "Tab" && event.target instanceof Element && event.target.matches(".markdownx-editor")) {
      event.stopImmediatePropagation();
    }
  },
  true,
);

/* The create page's Kind radio: show the chosen kind's fields and name the page after it,
   without a reload. (Without JavaScript the server does the same after one submit: the
   `shown_kind` field tells it which fields the page showed.) */
document.addEventListener("DOMContentLoaded", () => {
  const radios = document.querySelectorAll('.kind-choice input[name="kind"]');
  const shown = document.querySelector("[data-shown-kind]");
  const heading = document.querySelector("[data-kind-heading]");
  if (!radios.length || !shown) return;
  const names = { term: "term", genre: "genre explainer" };
  const show = (kind) => {
    document.querySelectorAll("fieldset[data-kind]").forEach((fieldset) => {
      fieldset.hidden = fieldset.dataset.kind !== kind;
    });
    shown.value = kind;
    if (heading && names[kind]) {
      heading.textContent = `New ${names[kind]}`;
      document.title = document.title.replace(/^New (term|genre explainer)/, `New ${names[kind]}`);
    }
  };
  radios.forEach((radio) => {
    radio.addEventListener("change", () => {
      if (radio.checked) show(radio.value);
    });
  });
});
