// The supervisor's / team lead's view: their teams' queues and figures of the day, today's
// actions (new ones arrive live), promises due and broken today.
import { get } from "./api.js";
import { $, card, coalesce, el, fillRows } from "./dom.js";
import { amounts, dateTime, day, money, number, t, timeOfDay } from "./i18n.js";

export class TeamView {
  constructor(dictionaries) {
    this.dict = dictionaries;
    this.summary = null;
    this.teams = [];
    this.actions = new Map();
    this.refreshSoon = coalesce(() => this.refresh().catch(() => {}), 2000);
    // A property, not a listener: a later sign-in's view replaces it.
    $("#team-filter").onchange = () => this.refresh().catch(() => {});
  }

  async refresh() {
    const team = $("#team-filter").value;
    const query = team ? `?team=${encodeURIComponent(team)}` : "";
    const summary = await get(`/api/dashboard/summary${query}`);
    // The unfiltered answer lists every team in view: those are the filter's choices.
    if (!team) this.teams = summary.teams.map((x) => ({ code: x.code, name: x.name }));
    this.summary = summary;
    const fresh = new Set([...this.actions.values()].filter((a) => a.fresh).map((a) => a.actionId));
    this.actions = new Map(summary.actions.map((a) => [a.actionId, { ...a, fresh: fresh.has(a.actionId) }]));
    this.render();
  }

  agents() {
    return new Map((this.summary?.teams || []).flatMap((x) => x.agents).map((a) => [a.agentId, a]));
  }

  // Actions show at once from the event; every event re-reads the figures soon after.
  onEvent(event) {
    const p = event.payload || {};
    const known = this.agents();
    const shown = !$("#team-filter").value || known.has(event.agentId);
    if (shown && p.actionId &&
        (event.eventType === "ACTION_RECORDED" || event.eventType === "ACTION_REFUSED")) {
      this.actions.set(p.actionId, {
        actionId: p.actionId, cif: event.cif, agentId: event.agentId,
        actionType: p.actionType, subtype: p.subtype, result: p.result ?? null,
        status: event.eventType === "ACTION_RECORDED" ? "RECORDED" : "REFUSED",
        refusedRule: p.rule ?? null, occurredAt: p.occurredAt, recordedAt: event.occurredAt,
        fresh: true,
      });
      this.renderActions();
    }
    this.refreshSoon();
  }

  render() {
    const s = this.summary;
    if (!s) return;
    this.renderFilter();
    $("#team-none").hidden = s.teams.length > 0;
    $("#updated").textContent = t("updated", { time: timeOfDay(s.asOf) });
    $("#updated").dataset.asOf = s.asOf;
    const f = s.totals;
    $("#team-figures").replaceChildren(
      card(t("fig.queue"), number(f.queue), "queue"),
      card(t("fig.actions"), number(f.actions), "actions"),
      card(t("fig.rpc"), number(f.rightPartyContacts), "rpc"),
      card(t("fig.promises"), number(f.promises), "promises"),
      card(t("fig.due"), number(s.promisesDue.length), "due"),
      card(t("fig.brokenToday"), number(s.promisesBroken.length), "broken"),
      card(t("fig.collected"), amounts(f.amountCollected), "collected"),
    );
    this.renderAgents();
    this.renderActions();
    this.renderPromises();
  }

  renderFilter() {
    const select = $("#team-filter");
    const chosen = select.value;
    select.replaceChildren(el("option", { value: "" }, t("team.all")),
      ...this.teams.map((x) => el("option", { value: x.code, selected: x.code === chosen },
        `${x.name} (${x.code})`)));
  }

  renderAgents() {
    const rows = this.summary.teams.flatMap((team) => team.agents.map((a) =>
      el("tr", { "data-agent-id": a.agentId },
        el("td", {}, a.displayName, el("small", {}, ` ${team.code}`)),
        el("td", { class: "num", "data-col": "queue" }, number(a.queue)),
        el("td", { class: "num" }, number(a.assigned)),
        el("td", { class: "num", "data-col": "actions" }, number(a.actions)),
        el("td", { class: "num" }, number(a.rightPartyContacts)),
        el("td", { class: "num" }, number(a.promises)),
        el("td", { class: "num" }, number(a.promisesKept)),
        el("td", { class: "num" }, number(a.promisesBroken)),
        el("td", { class: "num" }, amounts(a.amountCollected)),
      )));
    fillRows($("#agents tbody"), rows, t("list.empty"));
  }

  renderActions() {
    const names = this.agents();
    const list = [...this.actions.values()]
      .sort((a, b) => String(b.recordedAt).localeCompare(String(a.recordedAt)));
    const rows = list.map((a) => el("tr", {
      "data-action-id": a.actionId, class: a.fresh ? "fresh" : null,
    },
      el("td", {}, dateTime(a.occurredAt)),
      el("td", {}, names.get(a.agentId)?.displayName || a.agentId || ""),
      el("td", {}, a.cif),
      el("td", {}, `${this.dict.typeName(a.actionType)} · ${this.dict.subtypeName(a.subtype)}`),
      el("td", {}, this.dict.resultName(a.result)),
      el("td", { class: `status-${a.status}` }, t(`status.${a.status}`),
        a.refusedRule ? el("small", {}, ` ${t(`rule.${a.refusedRule}`)}`) : null),
    ));
    fillRows($("#team-actions tbody"), rows, t("actions.empty"));
  }

  renderPromises() {
    const names = this.agents();
    const who = (p) => names.get(p.agentId)?.displayName || p.agentId || "";
    fillRows($("#promises-due tbody"), this.summary.promisesDue.map((p) =>
      el("tr", { "data-promise-id": p.promiseId },
        el("td", {}, p.cif), el("td", {}, who(p)),
        el("td", { class: "num" }, money(p.amount, p.currency)),
        el("td", { class: "num" }, money(p.covered, p.currency)),
        el("td", {}, t(`status.${p.status}`)))), t("list.empty"));
    fillRows($("#promises-broken tbody"), this.summary.promisesBroken.map((p) =>
      el("tr", { "data-promise-id": p.promiseId },
        el("td", {}, p.cif), el("td", {}, who(p)),
        el("td", { class: "num" }, money(p.amount, p.currency)),
        el("td", { class: "num" }, money(p.covered, p.currency)),
        el("td", {}, day(p.dueDate)))), t("list.empty"));
  }

  relabel() {
    this.render();
  }
}
