// The body's rows on the article page: each row shows the fields of its type (the row's class
// names the type, the page's style hides the rest), and rows move by their handle (drag) or by
// their up and down buttons. On save every kept row gets its place as its position, so the
// order on the screen is the order readers get.
(function () {
  "use strict";
  let labels = {};  // read once the page is there (this script loads in the head)
  const TYPES = ["paragraph", "heading", "quote", "image"];

  function group() {
    return document.querySelector(".body-blocks");
  }

  function rows() {
    const body = group() && group().querySelector("tbody");
    if (!body) return [];
    return Array.from(body.querySelectorAll("tr.form-row")).filter((row) => !row.id.endsWith("-empty"));
  }

  function showType(row) {
    const select = row.querySelector("select.block-type");
    if (!select) return;
    TYPES.forEach((type) => row.classList.toggle("block-" + type, select.value === type));
  }

  function button(text, title, onClick) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = "block-move";
    element.textContent = text;
    element.title = title;
    element.setAttribute("aria-label", title);
    element.addEventListener("click", onClick);
    return element;
  }

  function move(row, step) {
    const all = rows();
    const index = all.indexOf(row);
    const target = all[index + step];
    if (!target) return;
    if (step < 0) target.before(row);
    else target.after(row);
    row.querySelector(".block-move")?.focus();
  }

  function setUp(row) {
    if (!row || row.dataset.blockReady || row.id.endsWith("-empty")) return;
    row.dataset.blockReady = "1";
    const select = row.querySelector("select.block-type");
    if (select) {
      select.addEventListener("change", () => showType(row));
      showType(row);
    }
    const cell = row.querySelector("td.field-position");
    if (!cell || !select) return;  // read-only rows neither change type nor move
    const tools = document.createElement("div");
    tools.className = "block-tools";
    const handle = document.createElement("span");
    handle.className = "block-handle";
    handle.textContent = "⠿";
    handle.title = labels.drag || "";
    handle.addEventListener("mousedown", () => { row.draggable = true; });
    tools.append(
      handle,
      button("↑", labels.up || "", () => move(row, -1)),
      button("↓", labels.down || "", () => move(row, 1)),
    );
    cell.prepend(tools);
    row.addEventListener("dragstart", (event) => {
      row.classList.add("block-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", row.id);
    });
    row.addEventListener("dragend", () => {
      row.draggable = false;
      row.classList.remove("block-dragging");
    });
  }

  function dragOver(event) {
    const dragging = group() && group().querySelector("tr.block-dragging");
    const over = event.target.closest && event.target.closest("tr.form-row");
    if (!dragging || !over || over === dragging || !rows().includes(over)) return;
    event.preventDefault();
    const box = over.getBoundingClientRect();
    if (event.clientY < box.top + box.height / 2) over.before(dragging);
    else over.after(dragging);
  }

  function hasContent(row) {
    const id = row.querySelector("input[name$='-id']");
    if (id && id.value) return true;
    return Array.from(row.querySelectorAll("textarea, select[name$='-image']")).some((field) => field.value.trim());
  }

  function numberRows() {
    let place = 0;
    rows().forEach((row) => {
      const position = row.querySelector("input[name$='-position']");
      if (!position) return;
      position.value = hasContent(row) ? String(place++) : "";
    });
  }

  // The editor builds its menus after this script runs: its button titles are put in the
  // desk's language as they appear.
  function translateMenus(root) {
    const names = labels.editor || {};
    root.querySelectorAll("button[title]").forEach((element) => {
      const name = names[element.title];
      if (!name) return;
      element.title = name;
      element.setAttribute("aria-label", name);
    });
  }

  // What the server would refuse to read is not sent: the editor is told, and keeps the page.
  function guardSize(event) {
    const form = event.target;
    if (!labels.max_bytes) return;
    let size = 0;
    for (const [, value] of new FormData(form)) {
      size += typeof value === "string" ? new Blob([value]).size : 0;
    }
    const note = document.getElementById("block-size-note");
    if (size <= labels.max_bytes) {
      if (note) note.remove();
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    const mb = (bytes) => (bytes / 1048576).toFixed(1);
    const text = labels.too_big.replace("%(size)s", mb(size)).replace("%(most)s", mb(labels.max_bytes));
    const shown = note || document.createElement("p");
    shown.id = "block-size-note";
    shown.className = "errornote";
    shown.setAttribute("role", "alert");
    shown.textContent = text;
    if (!note) form.prepend(shown);
    shown.scrollIntoView({ block: "center" });
  }

  function start() {
    if (!group()) return;
    labels = JSON.parse((document.getElementById("block-labels") || {}).textContent || "{}");
    rows().forEach(setUp);
    if (group().querySelector("select.block-type")) group().classList.add("typed");
    translateMenus(group());
    new MutationObserver(() => translateMenus(group())).observe(group(), { childList: true, subtree: true });
    group().addEventListener("dragover", dragOver);
    document.addEventListener("formset:added", (event) => setUp(event.target));
    const form = group().closest("form");
    if (form) {
      form.addEventListener("submit", guardSize);
      form.addEventListener("submit", numberRows);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
