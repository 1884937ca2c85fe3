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

/* On a phone the text and its preview are two tabs ("Write", "Preview") instead of two
   stacked panes: the page stays short and Save stays near. From 62.5em both show side by
   side and the tabs are hidden (CSS). Without JavaScript both panes show, stacked. */
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector(".markdownx");
  const editor = box && box.querySelector(".markdownx-editor");
  const preview = box && box.querySelector(".markdownx-preview");
  if (!editor || !preview) return;
  preview.id = preview.id || "body-preview";
  const narrow = window.matchMedia("(max-width: 62.49em)");
  const tabs = document.createElement("div");
  tabs.className = "editor-tabs";
  tabs.setAttribute("role", "tablist");
  tabs.setAttribute("aria-label", "Text and preview");
  const tab = (label, panel) => {
    const button = document.createElement("button");
    button.type = "button";
    button.setAttribute("role", "tab");
    button.setAttribute("aria-controls", panel.id);
    button.textContent = label;
    tabs.append(button);
    return button;
  };
  const write = tab("Write", editor);
  const show = tab("Preview", preview);
  box.before(tabs);
  const select = (previewing) => {
    write.setAttribute("aria-selected", String(!previewing));
    show.setAttribute("aria-selected", String(previewing));
    editor.hidden = narrow.matches && previewing;
    preview.hidden = narrow.matches && !previewing;
  };
  write.addEventListener("click", () => select(false));
  show.addEventListener("click", () => select(true));
  narrow.addEventListener("change", () => select(false));
  select(false);
});
