import { defineConfig } from 'drizzle-kit';

/** `npx drizzle-kit generate` writes the next numbered migration from the schema; the worker applies them at start. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/adapters/ledger/schema.ts',
  out: './src/adapters/ledger/migrations',
});
