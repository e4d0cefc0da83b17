// Runs graphql-http's GraphQL-over-HTTP server audits against the URL given as the
// only argument and prints one JSON array: {id, name, status, reason} per audit.
import { auditServer } from "graphql-http";

const url = process.argv[2];
if (!url) {
  console.error("usage: node graphql_http_audit.mjs URL");
  process.exit(2);
}
const results = await auditServer({ url });
const report = [];
for (const result of results) {
  const entry = { id: result.id, name: result.name, status: result.status };
  if (result.status !== "ok") {
    entry.reason = result.reason;
    entry.responseStatus = result.response.status;
    entry.responseType = result.response.headers.get("content-type");
  }
  report.push(entry);
}
console.log(JSON.stringify(report));
