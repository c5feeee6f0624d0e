// The action dictionaries (GET /api/actions/dictionaries): names in both languages, and which
// type → subtype → result combinations an agent may record (administrators change them).
import { named } from "./i18n.js";

const byCode = (entries) => new Map((entries || []).map((e) => [e.code, e]));
const unique = (values) => [...new Set(values)];

export class Dictionaries {
  constructor(raw) {
    this.types = byCode(raw.types);
    this.subtypes = byCode(raw.subtypes);
    this.results = byCode(raw.results);
    this.combinations = raw.combinations || [];
  }

  #active(map, code) {
    return map.get(code)?.active !== false && map.has(code);
  }

  typeCodes() {
    return unique(this.combinations.map((c) => c.actionType)).filter((c) =>
      this.#active(this.types, c));
  }

  subtypesOf(type) {
    return unique(this.combinations.filter((c) => c.actionType === type).map((c) => c.subtype))
      .filter((c) => this.#active(this.subtypes, c));
  }

  resultsOf(type, subtype) {
    return unique(this.combinations
      .filter((c) => c.actionType === type && c.subtype === subtype)
      .map((c) => c.result)).filter((c) => this.#active(this.results, c));
  }

  createsPromise(result) {
    return Boolean(this.results.get(result)?.createsPromise);
  }

  typeName(code) {
    return named(this.types.get(code), code);
  }

  subtypeName(code) {
    return named(this.subtypes.get(code), code);
  }

  resultName(code) {
    return code ? named(this.results.get(code), code) : "";
  }
}
