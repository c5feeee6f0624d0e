// The dashboard page: sign-in, language, the agent's and the team's views, the live stream.
import {
  ApiError, currentUser, get, login, logout, may, onSessionEnded, restoreSession,
} from "./api.js";
import { AgentView } from "./agent.js";
import { Dictionaries } from "./dictionaries.js";
import { $ } from "./dom.js";
import { initialLanguage, language, loadStrings, onLanguageChange, setLanguage, t } from "./i18n.js";
import { openStream } from "./stream.js";
import { TeamView } from "./team.js";

let stream = null;
let views = {};
let liveState = ["connecting"];

function notice(text) {
  $("#notice").hidden = !text;
  $("#notice").textContent = text || "";
}

function showLive(state, seconds) {
  liveState = [state, seconds];
  const live = $("#live");
  live.hidden = false;
  live.dataset.state = state;
  live.textContent = state === "live" ? t("live.on")
    : state === "retry" ? t("live.retry", { s: seconds }) : t("live.connecting");
}

function showTab(name) {
  for (const tab of ["agent", "team"]) {
    $(`#${tab}-view`).hidden = tab !== name;
    $(`#tab-${tab}`).classList.toggle("active", tab === name);
  }
}

function showLogin(message) {
  stream?.close();
  stream = null;
  views = {};
  for (const id of ["#tabs", "#agent-view", "#team-view", "#live", "#who", "#logout"]) {
    $(id).hidden = true;
  }
  // Nothing of the previous user stays in the page (shared workstations).
  for (const part of document.querySelectorAll("tbody, .cards, #f-cif")) part.replaceChildren();
  $("#outcome").hidden = true;
  $("#login").hidden = false;
  $("#login-error").hidden = true;
  notice(message);
  $("#username").focus();
}

async function refreshAll() {
  await Promise.all(Object.values(views).map((v) => v.refresh().catch((e) => {
    if (!(e instanceof ApiError && e.status === 401)) notice(t("error.generic", { detail: e.message }));
  })));
}

async function start() {
  $("#login").hidden = true;
  notice("");
  const user = currentUser();
  $("#who").hidden = false;
  $("#who").textContent = user.displayName || user.username;
  $("#logout").hidden = false;
  const dictionaries = new Dictionaries(await get("/api/actions/dictionaries"));
  views = {};
  if (may("actions:write")) {
    const agent = new AgentView(dictionaries);
    if (await agent.load()) views.agent = agent;
  }
  if (may("agents:read")) {
    const team = new TeamView(dictionaries);
    await team.refresh();
    views.team = team;
  }
  $("#tab-agent").hidden = !views.agent;
  $("#tab-team").hidden = !views.team;
  $("#tabs").hidden = Object.keys(views).length < 2;
  if (!Object.keys(views).length) {
    notice(t("no.access"));
    return;
  }
  showTab(views.team ? "team" : "agent");
  // Events first, then the data: whatever happens in between is in what is read after.
  stream = openStream({
    onEvent: (event) => Object.values(views).forEach((v) => v.onEvent(event)),
    onReady: () => refreshAll(),
    onResync: () => refreshAll(),
    onState: showLive,
  });
}

async function begin() {
  try {
    await start();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    notice(t("error.generic", { detail: error.message }));
  }
}

async function main() {
  await loadStrings();
  setLanguage(initialLanguage(), { remember: false });
  $("#lang").value = language();
  $("#lang").addEventListener("change", (e) => setLanguage(e.target.value));
  onLanguageChange(() => {
    Object.values(views).forEach((v) => v.relabel());
    if (!$("#live").hidden) showLive(...liveState);
  });
  for (const tab of ["agent", "team"]) {
    $(`#tab-${tab}`).addEventListener("click", () => showTab(tab));
  }
  onSessionEnded(() => showLogin(t("session.ended")));
  $("#logout").addEventListener("click", async () => {
    stream?.close();
    await logout();
    showLogin("");
  });
  $("#login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = $("#login-submit");
    button.disabled = true;
    try {
      await login($("#username").value.trim(), $("#password").value);
      $("#password").value = "";
      await begin();
    } catch (error) {
      const unavailable = error instanceof ApiError && error.status === 503;
      $("#login-error").textContent = error instanceof ApiError && error.status === 401
        ? t("login.failed") : unavailable ? t("login.unavailable")
        : t("error.generic", { detail: error.message });
      $("#login-error").hidden = false;
    } finally {
      button.disabled = false;
    }
  });
  if (restoreSession()) await begin();
  else showLogin("");
}

main();
