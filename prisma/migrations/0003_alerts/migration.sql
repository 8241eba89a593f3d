-- CreateEnum
CREATE TYPE "AlertKind" AS ENUM ('CHURN_RISK', 'ANOMALY');

-- CreateTable
CREATE TABLE "alert" (
    "id" UUID NOT NULL,
    "kind" "AlertKind" NOT NULL,
    "key" TEXT NOT NULL,
    "customer_id" UUID,
    "channel" "Channel",
    "details" JSONB NOT NULL DEFAULT '{}',
    "raised_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "alert_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "alert_key_key" ON "alert"("key");

-- CreateIndex
CREATE INDEX "alert_raised_at_id_idx" ON "alert"("raised_at", "id");

-- CreateIndex
CREATE INDEX "alert_kind_raised_at_id_idx" ON "alert"("kind", "raised_at", "id");
