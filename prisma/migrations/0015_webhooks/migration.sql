-- CreateEnum
CREATE TYPE "WebhookStatus" AS ENUM ('ACTIVE', 'PAUSED');

-- CreateEnum
CREATE TYPE "WebhookDeliveryState" AS ENUM ('PENDING', 'DEAD');

-- AlterEnum
ALTER TYPE "AlertKind" ADD VALUE 'WEBHOOK_FAILING';

-- CreateTable
CREATE TABLE "webhook_destination" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "events" TEXT[],
    "segment_ids" UUID[],
    "alert_kinds" TEXT[],
    "event_names" TEXT[],
    "channels" TEXT[],
    "secret" TEXT NOT NULL,
    "mask_pii" BOOLEAN NOT NULL DEFAULT false,
    "status" "WebhookStatus" NOT NULL DEFAULT 'ACTIVE',
    "paused_reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "segment_cursor" BIGINT NOT NULL DEFAULT 0,
    "seg_attempts" INTEGER NOT NULL DEFAULT 0,
    "seg_first_failed_at" TIMESTAMPTZ(3),
    "seg_next_at" TIMESTAMPTZ(3),
    "seg_lease_until" TIMESTAMPTZ(3),
    "seg_lease_token" TEXT,
    "consecutive_dead" INTEGER NOT NULL DEFAULT 0,
    "delivered" BIGINT NOT NULL DEFAULT 0,
    "retried" BIGINT NOT NULL DEFAULT 0,
    "failed" BIGINT NOT NULL DEFAULT 0,
    "dead_lettered" BIGINT NOT NULL DEFAULT 0,
    "latency_ms_sum" BIGINT NOT NULL DEFAULT 0,
    "latency_ms_max" INTEGER NOT NULL DEFAULT 0,
    "requests" BIGINT NOT NULL DEFAULT 0,
    "last_delivered_at" TIMESTAMPTZ(3),
    "last_error" TEXT,

    CONSTRAINT "webhook_destination_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_delivery" (
    "id" BIGSERIAL NOT NULL,
    "destination_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "item_key" TEXT NOT NULL,
    "ref_id" UUID,
    "payload" JSONB,
    "state" "WebhookDeliveryState" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL,
    "first_failed_at" TIMESTAMPTZ(3),
    "lease_until" TIMESTAMPTZ(3),
    "lease_token" TEXT,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "dead_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_delivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "webhook_destination_name_key" ON "webhook_destination"("name");

-- CreateIndex
CREATE INDEX "webhook_delivery_destination_id_state_next_attempt_at_id_idx" ON "webhook_delivery"("destination_id", "state", "next_attempt_at", "id");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_delivery_destination_id_item_key_key" ON "webhook_delivery"("destination_id", "item_key");

-- AddForeignKey
ALTER TABLE "webhook_delivery" ADD CONSTRAINT "webhook_delivery_destination_id_fkey" FOREIGN KEY ("destination_id") REFERENCES "webhook_destination"("id") ON DELETE CASCADE ON UPDATE CASCADE;
