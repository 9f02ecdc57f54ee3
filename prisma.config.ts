// Configuration of the Prisma CLI (`prisma generate`, and `prisma migrate`
// where its native schema engine can run). The service itself reads
// DATABASE_URL through src/config, not through this file.
import { defineConfig } from 'prisma/config'

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: {
    url: process.env.DATABASE_URL ?? 'postgresql://localhost/sence_gateway',
  },
})
