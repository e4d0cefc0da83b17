// GraphQL operations typed from the committed schema.graphql: an operation the schema no
// longer answers fails codegen, and a screen that reads a field it no longer gets fails tsc.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../schema.graphql',
  documents: ['operations/*.graphql'],
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-operations', 'typed-document-node'],
      config: {
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
        onlyOperationTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
        scalars: {
          ID: 'string', Fen: 'number', DateTime: 'string', Date: 'string', Decimal: 'string',
          JSON: 'unknown', Upload: 'File',
        },
      },
    },
  },
};
export default config;
