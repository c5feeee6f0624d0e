// The agent's view: figures of the day, their queue, the form that records an action, and
// their recent actions (new ones arrive live).
import { call, get } from "./api.js";
import { $, card, coalesce, el, fillRows, uuid4 } from "./dom.js";
import { amounts, dateTime, day, number, t } from "./i18n.js";

// The API accepts actions up to 24 hours after they happened: that is "recent" here.
const RECENT_MS = 24 * 3600 * 1000;

function localInputValue(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function option(value, text, selected) {
  return el("option", { value, selected }, text);
}

export class AgentView {
  constructor(dictionaries) {
    this.dict = dictionaries;
    this.agentId = null;
    this.queue = { items: [], notContactableNow: 0 };
    this.figures = null;
    this.actions = new Map();
    // Kept across retries of one submission, so a retry cannot record the action twice.
    this.pendingActionId = null;
    this.refreshSoon = coalesce(() => this.refresh().catch(() => {}), 2000);
    this.#bindForm();
  }

  // Whether the caller has an agent record (a queue) at all.
  async load() {
    const { status, body } = await call("GET", "/api/queues/me?all=true");
    if (status === 404) return false;
    if (status !== 200) throw Object.assign(new Error(body.detail), { problem: body });
    this.queue = body;
    this.agentId = body.agentId;
    await this.refresh({ queue: false });
    this.renderForm();
    return true;
  }

  async refresh({ queue = true } = {}) {
    const since = new Date(Date.now() - RECENT_MS).toISOString();
    const [q, figures, mine] = await Promise.all([
      queue ? get("/api/queues/me?all=true") : Promise.resolve(this.queue),
      get(`/api/agents/${encodeURIComponent(this.agentId)}/performance`),
      get(`/api/actions/mine?limit=100&from=${encodeURIComponent(since)}`),
    ]);
    this.queue = q;
    this.figures = figures;
    this.actions = new Map(mine.items.map((a) => [a.actionId, {
      actionId: a.actionId, cif: a.cif, actionType: a.actionType, subtype: a.subtype,
      result: a.result?.code ?? null, status: a.status, occurredAt: a.occurredAt,
    }]));
    this.render();
  }

  // A live workflow event: the agent's own action shows at once; any event re-reads soon.
  onEvent(event) {
    const p = event.payload || {};
    if (event.agentId === this.agentId && p.actionId &&
        (event.eventType === "ACTION_RECORDED" || event.eventType === "ACTION_REFUSED")) {
      this.actions.set(p.actionId, {
        actionId: p.actionId, cif: event.cif, actionType: p.actionType, subtype: p.subtype,
        result: p.result ?? null, occurredAt: p.occurredAt || event.occurredAt, fresh: true,
        status: event.eventType === "ACTION_RECORDED" ? "RECORDED" : "REFUSED",
      });
      this.renderActions();
    }
    this.refreshSoon();
  }

  render() {
    this.renderFigures();
    this.renderQueue();
    this.renderActions();
    this.renderCustomers();
  }

  renderFigures() {
    const f = this.figures;
    if (!f) return;
    $("#agent-figures").replaceChildren(
      card(t("fig.actions"), number(f.actions), "actions"),
      card(t("fig.rpc"), number(f.rightPartyContacts), "rpc"),
      card(t("fig.promises"), number(f.promises), "promises"),
      card(t("fig.kept"), number(f.promisesKept), "kept"),
      card(t("fig.broken"), number(f.promisesBroken), "broken"),
      card(t("fig.collected"), amounts(f.amountCollected), "collected"),
    );
  }

  renderQueue() {
    const rows = this.queue.items.map((item) => el("tr", { "data-cif": item.cif },
      el("td", {}, item.cif),
      el("td", { class: "num" }, number(item.maxDpd)),
      el("td", {}, item.bucket),
      el("td", { class: "num" }, number(item.priority)),
      el("td", { class: "num" }, amounts(item.dueAmount)),
      el("td", {}, day(item.promiseDue)),
      el("td", {}, dateTime(item.lastContactAt)),
      el("td", { class: item.contactableNow ? "ok" : "muted" },
        item.contactableNow ? t("yes") : t("no")),
      el("td", {}, el("button", {
        type: "button", class: "record", "data-cif": item.cif,
        onclick: () => this.pick(item.cif),
      }, t("queue.record"))),
    ));
    fillRows($("#queue tbody"), rows, t("queue.empty"));
    const hidden = this.queue.items.filter((i) => !i.contactableNow).length;
    $("#queue-note").textContent = hidden ? t("queue.notContactable", { n: hidden }) : "";
  }

  renderActions() {
    const list = [...this.actions.values()]
      .sort((a, b) => String(b.occurredAt).localeCompare(String(a.occurredAt)));
    const rows = list.map((a) => el("tr", {
      "data-action-id": a.actionId, class: a.fresh ? "fresh" : null,
    },
      el("td", {}, dateTime(a.occurredAt)),
      el("td", {}, a.cif),
      el("td", {}, `${this.dict.typeName(a.actionType)} · ${this.dict.subtypeName(a.subtype)}`),
      el("td", {}, this.dict.resultName(a.result)),
      el("td", { class: `status-${a.status}` }, t(`status.${a.status}`)),
    ));
    fillRows($("#my-actions tbody"), rows, t("actions.empty"));
  }

  pick(cif) {
    $("#f-cif").value = cif;
    $("#f-when").value = localInputValue(new Date());
    $("#f-type").focus();
  }

  // The customer list changes with the queue; it is rebuilt only then, so a refresh does not
  // close a list the agent has open.
  renderCustomers({ force = false } = {}) {
    const cifs = this.queue.items.map((i) => i.cif);
    const key = cifs.join(",");
    if (!force && key === this.customersShown) return;
    this.customersShown = key;
    const cif = $("#f-cif").value;
    $("#f-cif").replaceChildren(option("", t("form.pick"), !cif),
      ...cifs.map((c) => option(c, c, c === cif)));
  }

  // Options follow the dictionaries: a subtype of the type, a result of both. The dictionaries
  // do not change while the page is open: this runs at start and on a change of language.
  renderForm() {
    this.renderCustomers({ force: true });
    const type = $("#f-type").value || this.dict.typeCodes()[0];
    $("#f-type").replaceChildren(...this.dict.typeCodes().map((c) =>
      option(c, this.dict.typeName(c), c === type)));
    this.renderSubtypes();
    if (!$("#f-when").value) $("#f-when").value = localInputValue(new Date());
  }

  renderSubtypes() {
    const type = $("#f-type").value;
    const subtype = $("#f-subtype").value;
    const codes = this.dict.subtypesOf(type);
    $("#f-subtype").replaceChildren(...codes.map((c) =>
      option(c, this.dict.subtypeName(c), c === subtype)));
    this.renderResults();
  }

  renderResults() {
    const result = $("#f-result").value;
    const codes = this.dict.resultsOf($("#f-type").value, $("#f-subtype").value);
    $("#f-result").replaceChildren(option("", t("form.noResult"), !result),
      ...codes.map((c) => option(c, this.dict.resultName(c), c === result)));
    $("#f-promise").hidden = !this.dict.createsPromise($("#f-result").value);
  }

  // Handlers are set as properties, not added: a later sign-in's view replaces these.
  #bindForm() {
    $("#f-type").onchange = () => this.renderSubtypes();
    $("#f-subtype").onchange = () => this.renderResults();
    $("#f-result").onchange = () => {
      $("#f-promise").hidden = !this.dict.createsPromise($("#f-result").value);
    };
    $("#f-party").onchange = () => {
      $("#f-reference-row").hidden = $("#f-party").value !== "REFERENCE";
    };
    // Any change makes it another action: it gets a new id.
    $("#action-form").oninput = () => {
      this.pendingActionId = null;
    };
    $("#action-form").onsubmit = (e) => {
      e.preventDefault();
      this.submit();
    };
  }

  body() {
    const result = $("#f-result").value || undefined;
    this.pendingActionId ??= uuid4();
    const action = {
      actionId: this.pendingActionId,
      cif: $("#f-cif").value,
      actionType: $("#f-type").value,
      subtype: $("#f-subtype").value,
      contactedParty: $("#f-party").value,
      occurredAt: new Date($("#f-when").value).toISOString(),
    };
    if (result) action.result = result;
    if (result && this.dict.createsPromise(result)) {
      action.promise = { amount: $("#f-amount").value.trim(), dueDate: $("#f-due").value };
    }
    if (action.contactedParty === "REFERENCE") action.referenceCif = $("#f-reference").value.trim();
    const notes = $("#f-notes").value.trim();
    if (notes) action.notes = notes;
    return action;
  }

  async submit() {
    const button = $("#f-submit");
    button.disabled = true;
    button.textContent = t("form.sending");
    try {
      const { status, body } = await call("POST", "/api/actions", this.body());
      this.showOutcome(status, body);
      if (status < 500) this.pendingActionId = null;
      if (status === 201 || status === 200 || status === 202 || status === 422) {
        $("#f-notes").value = "";
        this.refreshSoon();
      }
    } catch (error) {
      this.showOutcome(0, { detail: error.message });
    } finally {
      button.disabled = false;
      button.textContent = t("form.submit");
    }
  }

  showOutcome(status, body) {
    this.lastOutcome = [status, body];
    const out = $("#outcome");
    out.hidden = false;
    out.dataset.status = String(status);
    out.dataset.actionId = body.actionId || "";
    let text;
    if (status === 201 || status === 200) {
      const kind = `${this.dict.typeName(body.actionType)} · ${body.cif}`;
      text = `${t("outcome.201")} ${kind}`;
      out.className = "outcome ok";
    } else if (status === 202) {
      text = t("outcome.202");
      out.className = "outcome pending";
    } else if (status === 422 && body.code === "ACTION_REFUSED") {
      text = t("outcome.422", { rule: t(`rule.${body.rule}`), detail: body.detail });
      out.className = "outcome refused";
    } else {
      const field = body.field ? ` (${body.field})` : "";
      text = t("outcome.error", { detail: `${body.detail || status}${field}` });
      out.className = "outcome error";
    }
    out.textContent = text;
  }

  relabel() {
    this.render();
    this.renderForm();
    $("#f-submit").textContent = t("form.submit");
    if (this.lastOutcome) this.showOutcome(...this.lastOutcome);
  }
}

