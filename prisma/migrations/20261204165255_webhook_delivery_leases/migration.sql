-- AlterTable
ALTER TABLE "WebhookAttempt" ADD COLUMN     "attemptNumber" INTEGER NOT NULL,
ADD COLUMN     "outcome" TEXT NOT NULL,
ADD COLUMN     "url" TEXT NOT NULL;

-- AlterTable
ALTER TABLE "WebhookDelivery" ADD COLUMN     "failureReason" TEXT,
ADD COLUMN     "lastError" TEXT,
ADD COLUMN     "lastStatusCode" INTEGER,
ADD COLUMN     "leaseExpiresAt" TIMESTAMPTZ(3),
ADD COLUMN     "leaseToken" UUID,
ADD COLUMN     "otecId" UUID;

-- Deliveries written before this migration take their endpoint's OTEC.
UPDATE "WebhookDelivery" AS d SET "otecId" = e."otecId"
FROM "WebhookEndpoint" AS e WHERE e."id" = d."endpointId";
ALTER TABLE "WebhookDelivery" ALTER COLUMN "otecId" SET NOT NULL;

-- AlterTable
ALTER TABLE "WebhookEndpoint" ADD COLUMN     "disabledAt" TIMESTAMPTZ(3),
ALTER COLUMN "eventTypes" SET DEFAULT ARRAY[]::TEXT[];

-- Endpoints created without event types stored NULL, which the
-- "every type" filter (an empty array) did not match.
UPDATE "WebhookEndpoint" SET "eventTypes" = ARRAY[]::TEXT[] WHERE "eventTypes" IS NULL;

-- CreateIndex
CREATE INDEX "WebhookDelivery_endpointId_status_idx" ON "WebhookDelivery"("endpointId", "status");

-- CreateIndex
CREATE INDEX "WebhookDelivery_otecId_createdAt_id_idx" ON "WebhookDelivery"("otecId", "createdAt", "id");
