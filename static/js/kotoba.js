/*
 * Kotoba: small progressive enhancements. Everything works without this file.
 * No dependencies; CSP-safe (no eval, no inline handlers, no style attributes);
 * server data only ever goes into the page through textContent.
 */
(() => {
  "use strict";

  /* Header search suggestions: a combobox over #site-search and #search-suggestions. */
  function setupSuggestions(input, list, baseUrl) {
    const DEBOUNCE_MS = 150;
    const MIN_CHARS = 2;
    const BLUR_CLOSE_MS = 150;
    const separator = baseUrl.includes("?") ? "&" : "?";
    let debounceTimer = 0;
    let blurTimer = 0;
    let controller = null;
    let options = [];
    let active = -1;

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-expanded", "false");
    if (!list.hasAttribute("aria-label") && !list.hasAttribute("aria-labelledby")) {
      list.setAttribute("aria-label", "Suggestions");
    }

    const isOpen = () => !list.hidden;

    function setActive(index) {
      active = index;
      options.forEach((option, i) => {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(-1);
    }

    function open() {
      if (!options.length) return;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    // Only same-origin addresses are followed (the API returns "/wiki/..." paths).
    function safeUrl(value) {
      if (typeof value !== "string" || !value) return null;
      try {
        const url = new URL(value, window.location.href);
        return url.origin === window.location.origin ? url.href : null;
      } catch {
        return null;
      }
    }

    function render(results) {
      list.replaceChildren();
      options = [];
      active = -1;
      results.forEach((result) => {
        const url = safeUrl(result && result.url);
        const title = result && typeof result.title === "string" ? result.title : "";
        if (!url || !title) return;
        const option = document.createElement("li");
        option.id = "search-suggestion-" + options.length;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.url = url;
        const titleEl = document.createElement("span");
        titleEl.className = "suggestion-title";
        titleEl.textContent = title;
        option.append(titleEl);
        if (typeof result.summary === "string" && result.summary) {
          const summaryEl = document.createElement("span");
          summaryEl.className = "suggestion-summary";
          summaryEl.textContent = result.summary;
          option.append(summaryEl);
        }
        list.append(option);
        options.push(option);
      });
      input.removeAttribute("aria-activedescendant");
      if (options.length && document.activeElement === input) {
        open();
      } else {
        close();
      }
    }

    async function load(query) {
      if (controller) controller.abort();
      controller = new AbortController();
      const { signal } = controller;
      try {
        const response = await fetch(baseUrl + separator + "q=" + encodeURIComponent(query), {
          signal,
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        if (!response.ok) return;
        const data = await response.json();
        if (signal.aborted || input.value.trim() !== query) return;
        render(Array.isArray(data && data.results) ? data.results : []);
      } catch {
        // Aborted, offline or not JSON: leave things as they are; the form still submits.
      }
    }

    function go(option) {
      const url = option && option.dataset.url;
      if (url) window.location.assign(url);
    }

    input.addEventListener("input", () => {
      window.clearTimeout(debounceTimer);
      const query = input.value.trim();
      if (query.length < MIN_CHARS) {
        if (controller) controller.abort();
        options = [];
        list.replaceChildren();
        close();
        return;
      }
      debounceTimer = window.setTimeout(() => load(query), DEBOUNCE_MS);
    });

    input.addEventListener("keydown", (event) => {
      if (event.isComposing) return; // IME conversion (Japanese input) owns these keys
      switch (event.key) {
        case "ArrowDown":
          if (!options.length) return;
          event.preventDefault();
          if (!isOpen()) open();
          setActive(active < options.length - 1 ? active + 1 : 0);
          break;
        case "ArrowUp":
          if (!options.length) return;
          event.preventDefault();
          if (!isOpen()) open();
          setActive(active > 0 ? active - 1 : options.length - 1);
          break;
        case "Enter":
          if (isOpen() && active >= 0) {
            event.preventDefault();
            go(options[active]);
          }
          break;
        case "Escape":
          if (isOpen()) {
            event.preventDefault(); // close the list without clearing the search text
            close();
          }
          break;
        default:
          break;
      }
    });

    input.addEventListener("blur", () => {
      window.clearTimeout(blurTimer);
      blurTimer = window.setTimeout(close, BLUR_CLOSE_MS);
    });

    input.addEventListener("focus", () => {
      window.clearTimeout(blurTimer);
      if (options.length && input.value.trim().length >= MIN_CHARS) open();
    });

    // Keep focus in the input while clicking an option, then follow it.
    list.addEventListener("mousedown", (event) => event.preventDefault());
    list.addEventListener("click", (event) => {
      const option = event.target instanceof Element ? event.target.closest('[role="option"]') : null;
      if (option) go(option);
    });

    // Coming back with the Back button must not show a stale list.
    window.addEventListener("pageshow", close);
  }

  /* Scrollable wrappers (wide tables, code blocks) become keyboard-focusable when they overflow. */
  function setupScrollRegions() {
    const regions = document.querySelectorAll(".table-scroll, .prose pre, .prose table");
    if (!regions.length) return;
    const update = () => {
      regions.forEach((el) => {
        const overflows = el.scrollWidth > el.clientWidth + 1;
        if (overflows && !el.hasAttribute("tabindex")) {
          el.tabIndex = 0;
          el.dataset.scrollFocus = "1";
        } else if (!overflows && el.dataset.scrollFocus) {
          el.removeAttribute("tabindex");
          delete el.dataset.scrollFocus;
        }
      });
    };
    update();
    let frame = 0;
    window.addEventListener("resize", () => {
      window.cancelAnimationFrame(frame);
      frame = window.requestAnimationFrame(update);
    });
  }

  const searchInput = document.getElementById("site-search");
  const suggestionList = document.getElementById("search-suggestions");
  if (searchInput && suggestionList && searchInput.dataset.suggestUrl && "fetch" in window) {
    setupSuggestions(searchInput, suggestionList, searchInput.dataset.suggestUrl);
  }
  setupScrollRegions();

  /* "Copy link" in "Cite this page": only where the clipboard can be written. */
  if (navigator.clipboard && window.isSecureContext) {
    document.querySelectorAll("button.copy-link[data-copy]").forEach((button) => {
      button.hidden = false;
      button.addEventListener("click", () => {
        navigator.clipboard.writeText(button.dataset.copy).then(
          () => {
            button.textContent = "Copied";
            window.setTimeout(() => {
              button.textContent = "Copy link";
            }, 2000);
          },
          () => {
            button.textContent = "Copy failed: select the link";
          },
        );
      });
    });
  }

  /* The main menu folds behind a "Menu" button on narrow screens (CSS decides when). */
  const header = document.querySelector(".site-header");
  const menuButton = header && header.querySelector(".menu-toggle");
  if (menuButton) {
    header.classList.add("js-menu");
    menuButton.hidden = false;
    menuButton.addEventListener("click", () => {
      const open = header.classList.toggle("menu-open");
      menuButton.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  /* The table of contents starts folded on a phone, where it sits above the text (open
     without JavaScript, and beside the text from 62.5em). */
  if (window.matchMedia("(max-width: 62.49em)").matches) {
    document.querySelectorAll(".toc details[open]").forEach((details) => {
      details.open = false;
    });
  }
})();
