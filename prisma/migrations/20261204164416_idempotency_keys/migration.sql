-- CreateEnum
CREATE TYPE "IdempotencyKeyStatus" AS ENUM ('in_flight', 'completed');

-- CreateTable
CREATE TABLE "IdempotencyKey" (
    "id" UUID NOT NULL,
    "otecId" UUID NOT NULL,
    "key" VARCHAR(255) NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "status" "IdempotencyKeyStatus" NOT NULL DEFAULT 'in_flight',
    "lockedAt" TIMESTAMPTZ(3),
    "responseStatus" INTEGER,
    "responseSealed" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "IdempotencyKey_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "IdempotencyKey_expiresAt_idx" ON "IdempotencyKey"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "IdempotencyKey_otecId_key_key" ON "IdempotencyKey"("otecId", "key");

-- AddForeignKey
ALTER TABLE "IdempotencyKey" ADD CONSTRAINT "IdempotencyKey_otecId_fkey" FOREIGN KEY ("otecId") REFERENCES "Otec"("id") ON DELETE CASCADE ON UPDATE CASCADE;
