// `node server.mjs apollo|mercurius PORT TILES.json`: the bench's 20x8 home-like `tiles` query
// (bench/bff_app.py), the same schema and the same data, on one Node process.
import { readFileSync } from 'node:fs';

const [, , kind, port, tilesFile] = process.argv;
const tiles = JSON.parse(readFileSync(tilesFile, 'utf8'));
const typeDefs = `
  type Tile { id: String! title: String! subtitle: String! iconUrl: String! deepLink: String!
              badge: String! position: Int! enabled: Boolean! }
  type Query { tiles: [Tile!]! }
`;
const resolvers = { Query: { tiles: () => tiles } };

if (kind === 'apollo') {
  const { ApolloServer } = await import('@apollo/server');
  const { startStandaloneServer } = await import('@apollo/server/standalone');
  const server = new ApolloServer({ typeDefs, resolvers });
  await startStandaloneServer(server, { listen: { port: Number(port), host: '127.0.0.1' } });
} else if (kind === 'mercurius') {
  const { default: Fastify } = await import('fastify');
  const { default: mercurius } = await import('mercurius');
  const app = Fastify({ logger: false });
  app.register(mercurius, { schema: typeDefs, resolvers, jit: 1 });
  await app.listen({ port: Number(port), host: '127.0.0.1' });
} else {
  throw new Error(`unknown server ${kind}`);
}
console.log('ready');
