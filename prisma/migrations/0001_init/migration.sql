-- CreateEnum
CREATE TYPE "IdentityType" AS ENUM ('EMAIL', 'PHONE', 'USER_ID', 'ANONYMOUS_ID', 'DEVICE_ID', 'CRM_ID', 'WECHAT_OPEN_ID', 'WECHAT_UNION_ID', 'COOKIE', 'CUSTOM');

-- CreateEnum
CREATE TYPE "Channel" AS ENUM ('WEB', 'APP', 'MINI_PROGRAM', 'SOCIAL', 'EMAIL', 'SMS', 'ADS', 'SEARCH', 'CALL_CENTER', 'SUPPORT', 'STORE_POS', 'CRM', 'OTHER');

-- CreateEnum
CREATE TYPE "TouchpointType" AS ENUM ('TRACK', 'PAGE', 'SCREEN', 'IDENTIFY', 'GROUP', 'ALIAS');

-- CreateEnum
CREATE TYPE "TagKind" AS ENUM ('MANUAL', 'RULE');

-- CreateEnum
CREATE TYPE "MembershipChangeKind" AS ENUM ('ENTERED', 'LEFT');

-- CreateEnum
CREATE TYPE "ApiKeyRole" AS ENUM ('READER', 'WRITER', 'OPERATOR', 'ADMIN');

-- CreateTable
CREATE TABLE "customer" (
    "id" UUID NOT NULL,
    "source" TEXT NOT NULL DEFAULT '',
    "external_id" TEXT,
    "email" TEXT,
    "phone" TEXT,
    "first_name" TEXT,
    "last_name" TEXT,
    "name" TEXT,
    "gender" TEXT,
    "birthday" DATE,
    "country" TEXT,
    "city" TEXT,
    "company" TEXT,
    "traits" JSONB NOT NULL DEFAULT '{}',
    "first_seen_at" TIMESTAMPTZ(3),
    "last_seen_at" TIMESTAMPTZ(3),
    "lifetime_value" DECIMAL(18,2) NOT NULL DEFAULT 0,
    "order_count" INTEGER NOT NULL DEFAULT 0,
    "touchpoint_count" INTEGER NOT NULL DEFAULT 0,
    "merged_into_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "customer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity" (
    "id" UUID NOT NULL,
    "type" "IdentityType" NOT NULL,
    "value" TEXT NOT NULL,
    "customer_id" UUID NOT NULL,
    "source" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "identity_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "merge_event" (
    "id" UUID NOT NULL,
    "winner_id" UUID NOT NULL,
    "loser_id" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "identities_moved" JSONB NOT NULL DEFAULT '[]',
    "touchpoints_moved" JSONB NOT NULL DEFAULT '[]',
    "tags_moved" JSONB NOT NULL DEFAULT '[]',
    "loser_snapshot" JSONB NOT NULL DEFAULT '{}',
    "performed_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "undone_at" TIMESTAMPTZ(3),

    CONSTRAINT "merge_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "touchpoint" (
    "id" UUID NOT NULL,
    "source" TEXT NOT NULL DEFAULT '',
    "message_id" TEXT NOT NULL,
    "customer_id" UUID NOT NULL,
    "anonymous_id" TEXT,
    "type" "TouchpointType" NOT NULL,
    "event" TEXT,
    "channel" "Channel" NOT NULL,
    "source_name" TEXT,
    "properties" JSONB NOT NULL DEFAULT '{}',
    "context" JSONB NOT NULL DEFAULT '{}',
    "revenue" DECIMAL(18,2),
    "currency" TEXT,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "session_id" TEXT,

    CONSTRAINT "touchpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "touchpoint_dedup" (
    "source" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "touchpoint_id" UUID NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "touchpoint_dedup_pkey" PRIMARY KEY ("source","message_id")
);

-- CreateTable
CREATE TABLE "tag" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "category" TEXT,
    "description" TEXT,
    "kind" "TagKind" NOT NULL DEFAULT 'MANUAL',
    "rule" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tag_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "customer_tag" (
    "customer_id" UUID NOT NULL,
    "tag_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "customer_tag_pkey" PRIMARY KEY ("customer_id","tag_id")
);

-- CreateTable
CREATE TABLE "segment" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "rule" JSONB NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "archived_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "segment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "segment_version" (
    "id" UUID NOT NULL,
    "segment_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "rule" JSONB NOT NULL,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "segment_version_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "segment_membership" (
    "segment_id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "since" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "segment_membership_pkey" PRIMARY KEY ("segment_id","customer_id")
);

-- CreateTable
CREATE TABLE "membership_change" (
    "seq" BIGSERIAL NOT NULL,
    "segment_id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "change" "MembershipChangeKind" NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "reason" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "membership_change_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "failed_event" (
    "id" UUID NOT NULL,
    "source" TEXT NOT NULL DEFAULT '',
    "reason" TEXT NOT NULL,
    "message" TEXT,
    "payload" JSONB NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "reprocessed_at" TIMESTAMPTZ(3),

    CONSTRAINT "failed_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_key" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "role" "ApiKeyRole" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "api_key_id" UUID,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "customer_created_at_id_idx" ON "customer"("created_at", "id");

-- CreateIndex
CREATE INDEX "customer_last_seen_at_idx" ON "customer"("last_seen_at");

-- CreateIndex
CREATE INDEX "customer_email_idx" ON "customer"("email");

-- CreateIndex
CREATE INDEX "customer_country_city_idx" ON "customer"("country", "city");

-- CreateIndex
CREATE INDEX "customer_merged_into_id_idx" ON "customer"("merged_into_id");

-- CreateIndex
CREATE UNIQUE INDEX "customer_source_external_id_key" ON "customer"("source", "external_id");

-- CreateIndex
CREATE INDEX "identity_customer_id_idx" ON "identity"("customer_id");

-- CreateIndex
CREATE UNIQUE INDEX "identity_type_value_key" ON "identity"("type", "value");

-- CreateIndex
CREATE INDEX "merge_event_winner_id_idx" ON "merge_event"("winner_id");

-- CreateIndex
CREATE INDEX "merge_event_loser_id_idx" ON "merge_event"("loser_id");

-- CreateIndex
CREATE INDEX "touchpoint_customer_id_occurred_at_idx" ON "touchpoint"("customer_id", "occurred_at");

-- CreateIndex
CREATE INDEX "touchpoint_event_occurred_at_idx" ON "touchpoint"("event", "occurred_at");

-- CreateIndex
CREATE INDEX "touchpoint_occurred_at_idx" ON "touchpoint"("occurred_at");

-- CreateIndex
CREATE UNIQUE INDEX "tag_key_key" ON "tag"("key");

-- CreateIndex
CREATE INDEX "customer_tag_tag_id_idx" ON "customer_tag"("tag_id");

-- CreateIndex
CREATE UNIQUE INDEX "segment_version_segment_id_version_key" ON "segment_version"("segment_id", "version");

-- CreateIndex
CREATE INDEX "segment_membership_customer_id_idx" ON "segment_membership"("customer_id");

-- CreateIndex
CREATE INDEX "membership_change_segment_id_seq_idx" ON "membership_change"("segment_id", "seq");

-- CreateIndex
CREATE INDEX "failed_event_reason_received_at_idx" ON "failed_event"("reason", "received_at");

-- CreateIndex
CREATE UNIQUE INDEX "api_key_hash_key" ON "api_key"("hash");

-- CreateIndex
CREATE INDEX "audit_log_at_idx" ON "audit_log"("at");

-- AddForeignKey
ALTER TABLE "identity" ADD CONSTRAINT "identity_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "touchpoint" ADD CONSTRAINT "touchpoint_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "customer_tag" ADD CONSTRAINT "customer_tag_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "customer_tag" ADD CONSTRAINT "customer_tag_tag_id_fkey" FOREIGN KEY ("tag_id") REFERENCES "tag"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "segment_version" ADD CONSTRAINT "segment_version_segment_id_fkey" FOREIGN KEY ("segment_id") REFERENCES "segment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "segment_membership" ADD CONSTRAINT "segment_membership_segment_id_fkey" FOREIGN KEY ("segment_id") REFERENCES "segment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "segment_membership" ADD CONSTRAINT "segment_membership_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;
