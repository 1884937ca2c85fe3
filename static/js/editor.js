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
