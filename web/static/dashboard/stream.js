// The live event stream: server-sent events read with fetch(), so the bearer token goes in
// the Authorization header (EventSource cannot send headers). Reconnects with backoff; after
// every (re)connection the page re-reads its data, so nothing missed in between is lost.
import { accessToken, refreshTokens } from "./api.js";

const MAX_BACKOFF_S = 30;
// The server sends a heartbeat every 15 s; silence for longer means a dead connection.
const SILENCE_MS = 40_000;

function parseBlock(block) {
  const message = { event: "message", data: "" };
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") message.event = value;
    else if (field === "data") data.push(value);
    else if (field === "id") message.id = value;
  }
  message.data = data.join("\n");
  return data.length ? message : null;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// handlers: onEvent(workflowEvent), onReady(), onResync(), onState(state, seconds?)
export function openStream(handlers) {
  let closed = false;
  let controller = null;

  async function readOnce() {
    controller = new AbortController();
    let silence = setTimeout(() => controller.abort(), SILENCE_MS);
    const alive = () => {
      clearTimeout(silence);
      silence = setTimeout(() => controller.abort(), SILENCE_MS);
    };
    try {
      const response = await fetch("/api/dashboard/events", {
        headers: { Authorization: `Bearer ${await accessToken()}`, Accept: "text/event-stream" },
        cache: "no-store",
        signal: controller.signal,
      });
      if (response.status === 401) {
        await refreshTokens();
        return false;
      }
      if (!response.ok || !response.body) return false;
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      let opened = false;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return opened;
        alive();
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
          const message = parseBlock(block);
          if (!message) continue;
          const data = message.data ? JSON.parse(message.data) : {};
          if (message.event === "ready") {
            opened = true;
            handlers.onState("live");
            handlers.onReady();
          } else if (message.event === "workflow") {
            handlers.onEvent(data);
          } else if (message.event === "resync") {
            handlers.onResync();
          } else if (message.event === "end") {
            // An expired token is renewed by the next connection (accessToken), a revoked
            // session is refused there (401, then the refresh fails and the sign-in shows).
            return opened;
          }
        }
      }
    } finally {
      clearTimeout(silence);
      controller.abort();
    }
  }

  (async () => {
    let failures = 0;
    while (!closed) {
      handlers.onState("connecting");
      let opened = false;
      try {
        opened = await readOnce();
      } catch (error) {
        if (error?.status === 401) return; // the session ended: the page shows the sign-in
      }
      if (closed) return;
      failures = opened ? 0 : failures + 1;
      // Backoff with jitter, so a restarted server is not hit by every page at once.
      const seconds = Math.min(MAX_BACKOFF_S, 2 ** failures) * (0.5 + Math.random() / 2);
      handlers.onState("retry", Math.ceil(seconds));
      await sleep(seconds * 1000);
    }
  })();

  return {
    close() {
      closed = true;
      controller?.abort();
    },
  };
}
