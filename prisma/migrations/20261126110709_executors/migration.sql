-- AlterTable
ALTER TABLE "Tenant" ADD COLUMN     "executorConfig" JSONB;

-- CreateTable
CREATE TABLE "RecordedCall" (
    "executionId" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "request" JSONB NOT NULL,
    "recordedAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RecordedCall_pkey" PRIMARY KEY ("executionId")
);

-- CreateIndex
CREATE INDEX "RecordedCall_tenantId_idx" ON "RecordedCall"("tenantId");
