// The reference graphql-ws client, subscribed to a customer's security events.
// usage: node graphql_ws_sessions.mjs WS_URL ACCESS_TOKEN
// Prints one JSON object a line: {"type": "connected"}, {"type": "next", "payload": ...},
// {"type": "closed", "code": ..., "reason": ...}; exits once the server closes the socket.
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, token] = process.argv.slice(2);
const say = (message) => process.stdout.write(JSON.stringify(message) + "\n");

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${token}` },
  retryAttempts: 0, // a closed session must stay closed: the test checks how it ended
  on: {
    connected: () => say({ type: "connected" }),
    closed: (event) => {
      say({ type: "closed", code: event.code, reason: event.reason });
      process.exit(0);
    },
  },
});

client.subscribe(
  { query: "subscription { securityEvents { kind deviceName platform } }" },
  {
    next: (payload) => say({ type: "next", payload }),
    error: (error) => say({ type: "error", error: String(error?.reason ?? error?.message ?? error) }),
    complete: () => say({ type: "complete" }),
  },
);
