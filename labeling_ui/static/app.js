// Relabeling page: one look-alike group at a time, crops in one column per current label.
// Every value from the server is written with textContent or as an attribute, never as HTML.
"use strict";

const REJECT_KEYS = { x: "not_a_glyph", u: "unreadable", b: "bad_crop" };

const state = {
  groups: [],
  group: null,     // GroupDetail from /api/groups/{id}
  order: [],       // crop ids in display order (column by column)
  columns: [],     // [{label, crops: [crop ids]}]
  crops: new Map(),
  selected: new Set(),
  cursor: null,
  anchor: null,
  busy: false,     // true while a decision or an undo is saved and the group reloaded
  edits: { edits: [], groups: [] },  // GroupEditsOut from /api/group-edits
};

const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function setStatus(message, isError = false) {
  const status = $("status");
  status.textContent = message;
  status.classList.toggle("error", isError);
}

async function api(method, path, body) {
  const options = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(describeError(response.status, data));
    error.status = response.status;
    throw error;
  }
  return data;
}

function describeError(status, data) {
  let message = typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail);
  if (status === 409 && Array.isArray(data.conflicts)) {
    const now = data.conflicts.map(
      (c) => `${c.crop_id} is now "${c.label}" (${c.status}${c.annotator ? " by " + c.annotator : ""})`
    );
    message += ". Current values: " + now.join("; ");
  }
  return `Error ${status}: ${message}`;
}

function annotator() {
  return $("annotator").value.trim();
}

const ANNOTATOR_KEY = "annotator";  // localStorage key of the name, per server origin

function loadAnnotator() {
  try {
    return localStorage.getItem(ANNOTATOR_KEY) || "";
  } catch {
    return "";  // storage is blocked: the name is typed again after a reload
  }
}

function saveAnnotator() {
  try {
    localStorage.setItem(ANNOTATOR_KEY, annotator());
  } catch {
    setStatus("The browser blocks local storage, so your name is not kept across reloads.", true);
  }
}

// ---- loading and rendering ----

async function loadGroups() {
  const dataset = await api("GET", "/api/dataset");
  $("dataset-name").textContent = `(${dataset.name})`;
  state.groups = await api("GET", "/api/groups");
  const select = $("group-select");
  select.replaceChildren();
  for (const group of state.groups) {
    const option = el("option", null, `${group.group_id}  ${group.members.join(" ")}`);
    option.value = group.group_id;
    select.append(option);
  }
}

async function loadGroup(groupId, cursorId) {
  state.group = await api("GET", `/api/groups/${encodeURIComponent(groupId)}`);
  state.crops = new Map(state.group.crops.map((crop) => [crop.crop_id, crop]));
  state.selected.clear();
  state.anchor = null;
  buildColumns();
  state.cursor = state.crops.has(cursorId) ? cursorId : state.order[0] || null;
  $("group-select").value = groupId;
  history.replaceState(null, "", `#group=${encodeURIComponent(groupId)}`);
  render();
  await Promise.all([loadProgress(), loadGroupEdits()]);
}

function buildColumns() {
  const labels = [...state.group.members];
  for (const crop of state.group.crops) {
    if (!labels.includes(crop.label)) labels.push(crop.label);
  }
  state.columns = labels.map((label) => ({
    label,
    crops: state.group.crops.filter((crop) => crop.label === label).map((crop) => crop.crop_id),
  }));
  state.order = state.columns.flatMap((column) => column.crops);
}

function render() {
  renderReference();
  renderGrid();
}

function renderReference() {
  const reference = $("reference");
  reference.replaceChildren();
  state.group.members.forEach((member, index) => {
    const box = el("div", "ref-glyph");
    box.append(el("div", "glyph", member), el("div", "key", `key ${index + 1}`));
    reference.append(box);
  });
  const summary = el("div", "key", `${state.group.reviewed} / ${state.group.total} reviewed`);
  summary.id = "group-progress";
  reference.append(summary);
}

function renderGrid() {
  const grid = $("grid");
  grid.replaceChildren();
  for (const column of state.columns) {
    const box = el("div", "column");
    box.dataset.label = column.label;
    const head = el("div", "column-head");
    const memberIndex = state.group.members.indexOf(column.label);
    head.append(el("span", "glyph", column.label));
    head.append(el("span", "key", memberIndex >= 0 ? `key ${memberIndex + 1}` : "other"));
    head.append(el("span", "key", `${column.crops.length}`));
    const selectAll = el("button", "select-column", "select all");
    selectAll.type = "button";
    selectAll.addEventListener("click", () => selectColumn(column));
    head.append(selectAll);
    const tiles = el("div", "tiles");
    for (const cropId of column.crops) tiles.append(renderTile(state.crops.get(cropId)));
    box.append(head, tiles);
    grid.append(box);
  }
}

function renderTile(crop) {
  const tile = el("div", `tile status-${crop.status}`);
  tile.dataset.cropId = crop.crop_id;
  tile.dataset.label = crop.label;
  tile.dataset.status = crop.status;
  if (state.selected.has(crop.crop_id)) tile.classList.add("selected");
  if (state.cursor === crop.crop_id) tile.classList.add("cursor");
  if (crop.suspicion_reasons.length) tile.classList.add("suspicious");
  if (crop.synthetic) tile.classList.add("rendered");
  const image = el("img");
  image.src = crop.image_url;
  image.alt = `${crop.synthetic ? "rendered glyph" : "crop"} ${crop.crop_id} labelled ${crop.label}`;
  image.loading = "lazy";
  const meta = el("div", "meta");
  const stateText = crop.status === "rejected" ? crop.reason : crop.status;
  meta.append(el("span", "state", stateText === "unreviewed" ? "" : stateText));
  if (crop.synthetic) meta.append(el("span", "badge", "rendered"));
  meta.append(el("span", "flags", crop.suspicion_reasons.map(shortReason).join(" ")));
  tile.title = tileDetail(crop);
  tile.append(image, meta);
  tile.addEventListener("click", (event) => onTileClick(event, crop.crop_id));
  return tile;
}

function tileDetail(crop) {
  const prediction = crop.model_score !== null
    ? `model predicts "${crop.predicted}" (score ${crop.model_score.toFixed(2)})`
    : "no model prediction";
  return [
    `crop ${crop.crop_id}, exported as "${crop.character}", split ${crop.split}`,
    `source ${crop.source ?? "unknown"}`,
    crop.synthetic
      ? "rendered glyph: its label is the text it was drawn from, so confirm or reject it; it cannot be relabeled"
      : "",
    crop.ocr_score !== null ? `OCR score ${crop.ocr_score.toFixed(2)}` : "no OCR score",
    prediction,
    crop.suspicion_reasons.length ? `suspicious: ${crop.suspicion_reasons.join(", ")}` : "",
  ].filter(Boolean).join("\n");
}

function shortReason(reason) {
  return { model_disagrees: "M", near_duplicate_conflict: "D", engines_disagree: "E", low_score: "L" }[reason] || "?";
}

function refreshMarks() {
  for (const tile of document.querySelectorAll(".tile")) {
    tile.classList.toggle("selected", state.selected.has(tile.dataset.cropId));
    tile.classList.toggle("cursor", state.cursor === tile.dataset.cropId);
  }
  const cursorTile = document.querySelector(".tile.cursor");
  if (cursorTile) cursorTile.scrollIntoView({ block: "nearest", inline: "nearest" });
}

async function loadProgress() {
  const progress = await api("GET", "/api/progress");
  $("progress-total").textContent = `${progress.reviewed} of ${progress.total} crops reviewed`;
  const groupRows = progress.groups.map((g) => row([g.group_id, g.members.join(" "), `${g.reviewed}/${g.total}`]));
  $("progress-groups").tBodies[0].replaceChildren(...groupRows);
  const people = progress.annotators.map((a) => row([a.annotator, `${a.decisions}`, `${a.events}`]));
  $("progress-annotators").tBodies[0].replaceChildren(...people);
}

function row(cells) {
  const tr = el("tr");
  for (const cell of cells) tr.append(el("td", null, cell));
  return tr;
}

// ---- group edits ----

async function loadGroupEdits() {
  state.edits = await api("GET", "/api/group-edits");
  renderGroupEdits();
}

// An edit concerns the current group when it merges into or splits that group, or merges it away.
function concernsGroup(edit, groupId) {
  return edit.group_id === groupId || (edit.action === "merge_groups" && edit.value === groupId);
}

function renderGroupEdits() {
  const groupId = state.group.group_id;
  const select = $("merge-source");
  const chosen = select.value;
  const others = state.edits.groups.filter((group) => group.group_id !== groupId);
  select.replaceChildren(
    ...others.map((group) => {
      const option = el("option", null, `${group.group_id}  ${group.members.join(" ")}`);
      option.value = group.group_id;
      return option;
    })
  );
  if (others.some((group) => group.group_id === chosen)) select.value = chosen;
  // The picks are the members after the pending edits, which a split is checked against.
  const after = state.edits.groups.find((group) => group.group_id === groupId);
  const picked = new Set(splitCharacters($("split-chars").value));
  $("split-picks").replaceChildren(
    ...(after ? after.members : []).map((member) => {
      const button = el("button", picked.has(member) ? "picked" : null, member);
      button.type = "button";
      button.title = `add or remove ${member}`;
      button.addEventListener("click", () => togglePick(member));
      return button;
    })
  );
  const pending = state.edits.edits.filter((edit) => concernsGroup(edit, groupId));
  $("pending-edits").replaceChildren(...pending.map(describeEdit));
  $("edited-members").textContent = after
    ? `After these edits: ${after.members.join(" ")}`
    : "After these edits this group no longer exists.";
}

function describeEdit(edit) {
  const text = edit.action === "merge_groups"
    ? `merge ${edit.value} into ${edit.group_id}`
    : `split ${edit.value} off ${edit.group_id}`;
  const item = el("li", null, `${text} (${edit.annotator}, ${edit.created_at})`);
  item.dataset.action = edit.action;
  item.dataset.value = edit.value;
  return item;
}

function splitCharacters(text) {
  return [...new Set([...text].filter((c) => c.trim() && c !== ","))];
}

function togglePick(member) {
  const chars = splitCharacters($("split-chars").value);
  const index = chars.indexOf(member);
  if (index >= 0) chars.splice(index, 1);
  else chars.push(member);
  $("split-chars").value = chars.join("");
  renderGroupEdits();
}

async function editGroup(path, body, describe) {
  if (!annotator()) return setStatus("Enter your annotator name first.", true);
  await whileBusy(async () => {
    let message;
    let isError = false;
    try {
      const result = await api("POST", path, { annotator: annotator(), ...body });
      message = describe(result.event);
    } catch (error) {
      [message, isError] = [error.message, true];
    }
    await loadGroupEdits();
    setStatus(message, isError);
  });
}

function mergeGroup() {
  const other = $("merge-source").value;
  if (!other) return setStatus("There is no other group to merge.", true);
  const groupId = state.group.group_id;
  return editGroup(`/api/groups/${encodeURIComponent(groupId)}/merge`, { other_group_id: other },
    (event) => `Merged ${event.value} into ${event.group_id}; the next export applies it.`);
}

function splitGroup() {
  const groupId = state.group.group_id;
  return editGroup(`/api/groups/${encodeURIComponent(groupId)}/split`,
    { characters: $("split-chars").value },
    (event) => {
      $("split-chars").value = "";
      return `Split ${event.value} off ${event.group_id}; the next export applies it.`;
    });
}

function undoGroupEdit() {
  return editGroup("/api/group-edits/undo", {},
    (event) => `Undid the group edit ${event.group_id} ${event.value}.`);
}

// ---- selection ----

function onTileClick(event, cropId) {
  if (event.shiftKey && state.anchor) {
    const [from, to] = [state.order.indexOf(state.anchor), state.order.indexOf(cropId)].sort((a, b) => a - b);
    if (!(event.ctrlKey || event.metaKey)) state.selected.clear();
    for (const id of state.order.slice(from, to + 1)) state.selected.add(id);
  } else if (event.ctrlKey || event.metaKey) {
    if (!state.selected.delete(cropId)) state.selected.add(cropId);
    state.anchor = cropId;
  } else {
    state.selected = new Set([cropId]);
    state.anchor = cropId;
  }
  state.cursor = cropId;
  refreshMarks();
}

function selectColumn(column) {
  state.selected = new Set(column.crops);
  refreshMarks();
}

function columnOf(cropId) {
  return state.columns.findIndex((column) => column.crops.includes(cropId));
}

function moveCursor(key) {
  if (!state.cursor) return;
  const columnIndex = columnOf(state.cursor);
  const row = state.columns[columnIndex].crops.indexOf(state.cursor);
  if (key === "ArrowUp" || key === "ArrowDown") {
    const crops = state.columns[columnIndex].crops;
    const next = Math.min(Math.max(row + (key === "ArrowDown" ? 1 : -1), 0), crops.length - 1);
    state.cursor = crops[next];
  } else {
    const step = key === "ArrowRight" ? 1 : -1;
    for (let c = columnIndex + step; c >= 0 && c < state.columns.length; c += step) {
      const crops = state.columns[c].crops;
      if (crops.length) {
        state.cursor = crops[Math.min(row, crops.length - 1)];
        break;
      }
    }
  }
  state.anchor = state.cursor;
  refreshMarks();
}

function targets() {
  if (state.selected.size) return state.order.filter((id) => state.selected.has(id));
  return state.cursor ? [state.cursor] : [];
}

// ---- actions ----

async function decide(action, extra = {}) {
  const ids = targets();
  if (!ids.length) return setStatus("Nothing selected.", true);
  if (!annotator()) return setStatus("Enter your annotator name first.", true);
  const chosen = new Set(ids);
  const after = state.order.slice(state.order.indexOf(ids[ids.length - 1]) + 1).find((id) => !chosen.has(id));
  const body = {
    annotator: annotator(),
    action,
    items: ids.map((id) => ({ crop_id: id, base_version: state.crops.get(id).version })),
    ...extra,
  };
  await whileBusy(async () => {
    let message;
    let isError = false;
    try {
      const result = await api("POST", "/api/decisions", body);
      message = `${result.crops.length} crop(s) ${describeAction(action, result, extra)}.`;
    } catch (error) {
      [message, isError] = [error.message, true];
    }
    // The status is set after the reload, so it never describes a grid that is still old.
    await loadGroup(state.group.group_id, after || ids[0]);
    setStatus(message, isError);
  });
}

function describeAction(action, result, extra) {
  if (action === "relabel") return `relabeled to "${result.crops[0].label}"`;
  if (action === "reject") return `rejected (${extra.reason})`;
  return "confirmed";
}

async function undo() {
  if (!annotator()) return setStatus("Enter your annotator name first.", true);
  await whileBusy(async () => {
    try {
      const result = await api("POST", "/api/undo", { annotator: annotator() });
      await loadGroup(state.group.group_id, result.crops[0].crop_id);
      setStatus(`Undid the last decision on ${result.crops.length} crop(s).`);
    } catch (error) {
      await loadGroup(state.group.group_id, state.cursor);
      setStatus(error.message, true);
    }
  });
}

// Decisions wait for the previous one to be saved and the grid to be reloaded, because a key
// pressed in between would act on crops that have moved.
async function whileBusy(task) {
  if (state.busy) return setStatus("Still saving the previous decision. Press the key again.", true);
  state.busy = true;
  try {
    await task();
  } finally {
    state.busy = false;
  }
}

async function exportOverrides() {
  try {
    const result = await api("POST", "/api/export");
    setStatus(`Wrote ${result.rows} overrides to ${result.path}.`);
  } catch (error) {
    setStatus(error.message, true);
  }
}

function goToGroup(offset) {
  const id = offset > 0 ? state.group.next_group_id : state.group.previous_group_id;
  if (id) loadGroup(id).catch((error) => setStatus(error.message, true));
}

function openTypedForm() {
  $("typed-form").hidden = false;
  $("typed-label").value = "";
  $("typed-label").focus();
}

function closeTypedForm() {
  $("typed-form").hidden = true;
  document.activeElement.blur();
}

function onKeyDown(event) {
  const target = event.target;
  if (target.tagName === "INPUT" || target.tagName === "SELECT") {
    if (event.key === "Escape") closeTypedForm();
    return;
  }
  const key = event.key;
  const ctrl = event.ctrlKey || event.metaKey;
  let handled = true;
  if (key.startsWith("Arrow")) moveCursor(key);
  else if (key === " ") {
    if (state.cursor && !state.selected.delete(state.cursor)) state.selected.add(state.cursor);
    refreshMarks();
  } else if (key === "z" || key === "Z") undo();
  else if (ctrl && key === "a") {
    state.selected = new Set(state.order);
    refreshMarks();
  } else if (ctrl) handled = false;
  else if (/^[1-9]$/.test(key) && state.group.members[Number(key) - 1]) {
    decide("relabel", { label: state.group.members[Number(key) - 1] });
  } else if (key === "a" && state.cursor) selectColumn(state.columns[columnOf(state.cursor)]);
  else if (key === "c") decide("confirm");
  else if (key in REJECT_KEYS) decide("reject", { reason: REJECT_KEYS[key] });
  else if (key === "t") openTypedForm();
  else if (key === "n") goToGroup(1);
  else if (key === "p") goToGroup(-1);
  else if (key === "e") exportOverrides();
  else if (key === "Escape") {
    state.selected.clear();
    refreshMarks();
  } else handled = false;
  if (handled) event.preventDefault();
}

function wireControls() {
  document.addEventListener("keydown", onKeyDown);
  $("annotator").value = loadAnnotator();
  // Saved on every keystroke, because a reload right after typing fires no change event.
  $("annotator").addEventListener("input", saveAnnotator);
  $("annotator").addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.target.blur();
  });
  $("prev-group").addEventListener("click", () => goToGroup(-1));
  $("next-group").addEventListener("click", () => goToGroup(1));
  $("group-select").addEventListener("change", (event) => {
    event.target.blur(); // give the keyboard back to the grid shortcuts
    loadGroup(event.target.value);
  });
  $("export").addEventListener("click", exportOverrides);
  $("typed-cancel").addEventListener("click", closeTypedForm);
  $("merge-form").addEventListener("submit", (event) => {
    event.preventDefault();
    mergeGroup();
  });
  $("split-form").addEventListener("submit", (event) => {
    event.preventDefault();
    splitGroup();
  });
  $("split-chars").addEventListener("input", renderGroupEdits);
  $("undo-group-edit").addEventListener("click", undoGroupEdit);
  $("typed-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const label = $("typed-label").value;
    closeTypedForm();
    decide("relabel", { label });
  });
}

async function start() {
  wireControls();
  try {
    await loadGroups();
    const fromHash = new URLSearchParams(location.hash.slice(1)).get("group");
    const first = state.groups.some((g) => g.group_id === fromHash) ? fromHash : state.groups[0]?.group_id;
    if (first) await loadGroup(first);
    else setStatus("The dataset has no groups.", true);
  } catch (error) {
    setStatus(error.message, true);
  }
}

start();
