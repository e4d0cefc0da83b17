// Every operation the H5 app and the consoles send, keyed by its sha256, written beside the
// bundle (dist/persisted-operations.json) for the server to know from its start: a screen's
// request then carries only the hash, and the server runs the operation's compiled plan
// (bff/persisted_queries.py, bff/compiled.py). The texts are the generated documents' own, as
// src/api.ts sends them, so the hashes are the ones the browser computes.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import ts from 'typescript';

const source = readFileSync(new URL('./src/generated/graphql.ts', import.meta.url), 'utf8');
const { outputText } = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2020 },
});
const generated = await import(`data:text/javascript;base64,${Buffer.from(outputText).toString('base64')}`);
const operations = {};
for (const [name, document] of Object.entries(generated)) {
  if (!name.endsWith('Document')) continue;
  const text = document.toString();
  operations[createHash('sha256').update(text).digest('hex')] = text;
}
writeFileSync(new URL('./dist/persisted-operations.json', import.meta.url), `${JSON.stringify(operations, null, 1)}\n`);
console.log(`persisted-operations.json: ${Object.keys(operations).length} operations`);
