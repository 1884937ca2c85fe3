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

/* The live preview can answer out of order: on a slow line the answer for the text the page
   opened with may come after the one for the first change, and markdownx shows whichever
   came last. Each answer ends with a stamp of the text it shows (wiki/views/api.py,
   preview_stamp: the CRC-32 of its UTF-8, newlines as LF); when it is not the editor's text,
   ask again, as a keystroke would. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

const previewStamp = (text) => {
  const bytes = new TextEncoder().encode(text.replace(/\r\n?/g, "\n").replace(/\0/g, "\uFFFD"));
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return ((crc ^ 0xffffffff) >>> 0).toString(16).padStart(8, "0");
};

document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector(".markdownx");
  const editor = box && box.querySelector(".markdownx-editor");
  const preview = box && box.querySelector(".markdownx-preview");
  if (!editor || !preview || !("TextEncoder" in window)) return;
  let askedAgainFor = null; // once per text: a stamp that never agrees must not loop
  box.addEventListener("markdownx.update", () => {
    const stamp = preview.querySelector("template[data-preview-of]");
    const mine = previewStamp(editor.value);
    if (!stamp || stamp.dataset.previewOf === mine || askedAgainFor === mine) return;
    askedAgainFor = mine;
    editor.dispatchEvent(new Event("input", { bubbles: true }));
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

/* The tag picker: the comma-separated Tags box becomes chips (one per tag, each with a
   remove button) and a box that suggests existing tags as one types. The original box stays
   in the form, hidden, and always holds the chips' names: that is what is submitted, so the
   server checks tags exactly as without JavaScript ("Not a tag yet: ..." included). */
document.addEventListener("DOMContentLoaded", () => {
  const original = document.querySelector("input[data-tag-suggest]");
  if (!original || !("fetch" in window)) return;
  const url = original.dataset.tagSuggest;
  const label = document.querySelector(`label[for="${original.id}"]`);
  const picker = document.createElement("div");
  picker.className = "tag-picker";
  const chips = document.createElement("ul");
  chips.className = "tag-chips";
  chips.setAttribute("aria-label", "Chosen tags");
  const entry = document.createElement("input");
  entry.type = "text";
  entry.id = `${original.id}-entry`;
  entry.autocomplete = "off";
  entry.setAttribute("role", "combobox");
  entry.setAttribute("aria-autocomplete", "list");
  entry.setAttribute("aria-expanded", "false");
  const described = original.getAttribute("aria-describedby");
  const hint = document.createElement("p");
  hint.className = "helptext";
  hint.id = `${original.id}-picker-hint`;
  hint.textContent = "Type to find a tag; Enter or a comma adds it, Backspace removes the last.";
  entry.setAttribute("aria-describedby", [described, hint.id].filter(Boolean).join(" "));
  if (original.getAttribute("aria-invalid")) entry.setAttribute("aria-invalid", "true");
  const list = document.createElement("ul");
  list.className = "suggestions tag-suggestions";
  list.id = `${original.id}-suggestions`;
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Existing tags");
  list.hidden = true;
  entry.setAttribute("aria-controls", list.id);
  const status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  picker.append(chips, entry, list);
  original.after(picker, hint, status);
  original.hidden = true;
  if (label) label.htmlFor = entry.id;

  const known = new Map(); // casefolded name -> name, for every tag a suggestion showed
  let names = [];
  let options = [];
  let active = -1;
  let timer = 0;
  let controller = null;
  const fold = (name) => name.trim().replace(/\s+/g, " ").toLowerCase();

  const sync = () => {
    original.value = names.join(", ");
  };
  const drawChips = () => {
    chips.replaceChildren();
    names.forEach((name, index) => {
      const chip = document.createElement("li");
      chip.className = "tag-chip";
      const text = document.createElement("span");
      text.textContent = name;
      chip.append(text);
      if (!known.has(fold(name))) {
        chip.classList.add("tag-chip-unknown");
        const note = document.createElement("span");
        note.className = "tag-chip-note";
        note.textContent = "not a tag yet";
        chip.append(note);
      }
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "×";
      remove.setAttribute("aria-label", `Remove tag ${name}`);
      remove.addEventListener("click", () => {
        names.splice(index, 1);
        sync();
        drawChips();
        status.textContent = `Removed ${name}.`;
        entry.focus();
      });
      chip.append(remove);
      chips.append(chip);
    });
    chips.hidden = names.length === 0;
  };
  const add = (typed) => {
    const name = typed.trim().replace(/\s+/g, " ");
    if (!name) return;
    const shown = known.get(fold(name)) || name;
    if (!names.some((n) => fold(n) === fold(shown))) {
      names.push(shown);
      status.textContent = `Added ${shown}.`;
    }
    sync();
    drawChips();
  };
  const close = () => {
    list.hidden = true;
    entry.setAttribute("aria-expanded", "false");
    entry.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const setActive = (index) => {
    active = index;
    options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    if (options[index]) entry.setAttribute("aria-activedescendant", options[index].id);
  };
  const render = (results) => {
    list.replaceChildren();
    options = [];
    results.forEach((result) => {
      if (!result || typeof result.name !== "string" || !result.name) return;
      known.set(fold(result.name), result.name);
      (Array.isArray(result.aliases) ? result.aliases : []).forEach((alias) => {
        if (typeof alias === "string") known.set(fold(alias), result.name); // "NTR" is Netorare
      });
      if (names.some((n) => fold(n) === fold(result.name))) return;
      const option = document.createElement("li");
      option.id = `${list.id}-${options.length}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.name = result.name;
      option.textContent = result.name;
      if (typeof result.category === "string" && result.category) {
        const detail = document.createElement("span");
        detail.className = "suggestion-summary";
        detail.textContent = result.adult ? `${result.category} · adult` : result.category;
        option.append(detail);
      }
      list.append(option);
      options.push(option);
    });
    drawChips(); // a chip typed before its tag was seen loses its "not a tag yet"
    if (options.length && entry.value.trim() && document.activeElement === entry) {
      list.hidden = false;
      entry.setAttribute("aria-expanded", "true");
      active = -1;
    } else {
      close();
    }
  };
  const load = async (query) => {
    if (controller) controller.abort();
    controller = new AbortController();
    const { signal } = controller;
    try {
      const separator = url.includes("?") ? "&" : "?";
      const response = await fetch(`${url}${separator}q=${encodeURIComponent(query)}`, {
        signal,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      const data = await response.json();
      if (signal.aborted) return;
      render(Array.isArray(data && data.results) ? data.results : []);
    } catch {
      // Offline or aborted: typing and chips still work; the server checks the names.
    }
  };
  const choose = (option) => {
    add(option.dataset.name);
    entry.value = "";
    close();
    entry.focus();
  };

  names = original.value.split(",").map((n) => n.trim().replace(/\s+/g, " ")).filter(Boolean);
  // The names the page came with are not marked: a saved tag exists, and a form sent back
  // with "Not a tag yet" names the unknown ones in its message.
  names.forEach((name) => known.set(fold(name), name));
  drawChips();

  entry.addEventListener("input", () => {
    if (entry.value.includes(",")) {
      const parts = entry.value.split(",");
      entry.value = parts.pop();
      parts.forEach(add);
    }
    window.clearTimeout(timer);
    const query = entry.value.trim();
    if (!query) {
      close();
      return;
    }
    timer = window.setTimeout(() => load(query), 150);
  });
  entry.addEventListener("keydown", (event) => {
    if (event.isComposing) return;
    if (event.key === "ArrowDown" && options.length) {
      event.preventDefault();
      list.hidden = false;
      entry.setAttribute("aria-expanded", "true");
      setActive(active < options.length - 1 ? active + 1 : 0);
    } else if (event.key === "ArrowUp" && options.length) {
      event.preventDefault();
      setActive(active > 0 ? active - 1 : options.length - 1);
    } else if (event.key === "Enter") {
      if (!list.hidden && options[active]) {
        event.preventDefault();
        choose(options[active]);
      } else if (entry.value.trim()) {
        event.preventDefault(); // add the tag; the form is sent with the Save button
        add(entry.value);
        entry.value = "";
        close();
      }
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
    } else if (event.key === "Backspace" && !entry.value && names.length) {
      const removed = names.pop();
      sync();
      drawChips();
      status.textContent = `Removed ${removed}.`;
    }
  });
  entry.addEventListener("blur", () => window.setTimeout(close, 150));
  list.addEventListener("mousedown", (event) => event.preventDefault());
  list.addEventListener("click", (event) => {
    const option = event.target instanceof Element ? event.target.closest('[role="option"]') : null;
    if (option) choose(option);
  });
  // Whatever is still typed in the box is a tag too: nothing typed is lost on Save.
  original.form.addEventListener("submit", () => {
    if (entry.value.trim()) {
      add(entry.value);
      entry.value = "";
    }
  });
});
