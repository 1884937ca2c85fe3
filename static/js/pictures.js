/* "Insert a picture" in the editor: a dialog with the upload form of /files/upload/, sent
   with fetch; the answer's embed code ([[File:name]]) goes into the text at the cursor.
   An image dropped or pasted into the text opens the same dialog with that file chosen
   (and never reaches markdownx's own upload, which this wiki does not serve). Without
   JavaScript the button stays hidden and /files/upload/ works on its own. */
document.addEventListener("DOMContentLoaded", () => {
  const tools = document.querySelector("[data-picture-tools]");
  const dialog = document.querySelector("[data-picture-dialog]");
  const text = document.querySelector(".edit-form textarea[name='body']");
  if (!tools || !dialog || !text || typeof dialog.showModal !== "function") return;
  const form = dialog.querySelector("[data-picture-form]");
  const fileInput = form.querySelector("input[type='file']");
  const nameInput = form.querySelector("input[name='name']");
  const error = form.querySelector("[data-picture-error]");
  const status = form.querySelector("[data-picture-status]");
  tools.hidden = false;

  const nameFrom = (file) => (file && file.name ? file.name.replace(/\.[A-Za-z0-9]+$/, "") : "");
  const open = (files) => {
    error.hidden = true;
    status.textContent = "";
    if (files && files.length) {
      fileInput.files = files;
      if (!nameInput.value) nameInput.value = nameFrom(files[0]);
    }
    dialog.showModal();
    (files && files.length ? nameInput : fileInput).focus();
  };
  // Where the writer last was in the text; before they have been in it, the end.
  let touched = false;
  text.addEventListener("focus", () => { touched = true; });
  const insert = (code) => {
    const start = touched ? text.selectionStart : text.value.length;
    const end = touched ? text.selectionEnd : start;
    const before = text.value.slice(0, start);
    // A paragraph of its own: a line right after text would continue that paragraph (or
    // the footnote above it).
    const lead = !before || before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
    text.value = `${before}${lead}${code}\n\n${text.value.slice(end)}`;
    const caret = before.length + lead.length + code.length;
    text.setSelectionRange(caret, caret);
    text.dispatchEvent(new Event("input", { bubbles: true })); // markdownx refreshes its preview
  };

  tools.querySelector("[data-picture-open]").addEventListener("click", () => open(null));
  dialog.querySelector("[data-picture-close]").addEventListener("click", () => dialog.close());
  fileInput.addEventListener("change", () => {
    if (!nameInput.value) nameInput.value = nameFrom(fileInput.files[0]);
  });

  const images = (transfer) => {
    if (!transfer || !transfer.files) return null;
    const picked = new DataTransfer();
    Array.from(transfer.files)
      .filter((file) => file.type.startsWith("image/"))
      .slice(0, 1)
      .forEach((file) => picked.items.add(file));
    return picked.files.length ? picked.files : null;
  };
  const catchImages = (event, transfer) => {
    const files = images(transfer);
    if (!files) return;
    event.preventDefault();
    event.stopImmediatePropagation(); // markdownx would post it to its own upload view
    open(files);
  };
  text.addEventListener("drop", (event) => catchImages(event, event.dataTransfer), true);
  text.addEventListener("paste", (event) => catchImages(event, event.clipboardData), true);
  text.addEventListener("dragover", (event) => {
    if (event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files")) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    status.textContent = "Uploading…";
    const button = form.querySelector("button[type='submit']");
    button.disabled = true;
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const answer = await response.json().catch(() => ({ error: "The server did not answer as expected. Try the upload page." }));
      if (!response.ok) throw new Error(answer.error || "The upload failed.");
      insert(answer.embed);
      form.reset();
      dialog.close();
      const note = document.createElement("p");
      note.className = "note";
      note.setAttribute("role", "status");
      note.textContent = answer.pending
        ? `Uploaded ${answer.name}. It shows in the article once a moderator accepts it.`
        : `Uploaded ${answer.name} and inserted it.`;
      tools.after(note);
    } catch (failure) {
      status.textContent = "";
      error.textContent = failure.message;
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
});
