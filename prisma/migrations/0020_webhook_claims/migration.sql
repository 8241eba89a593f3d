-- AlterTable
ALTER TABLE "webhook_delivery" DROP COLUMN "lease_token",
DROP COLUMN "lease_until",
ADD COLUMN     "ref_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "webhook_claim" (
    "token" TEXT NOT NULL,
    "destination_id" UUID NOT NULL,
    "lease_until" TIMESTAMPTZ(3) NOT NULL,
    "items" INTEGER NOT NULL,
    "ids" BIGINT[],
    "kinds" TEXT[],
    "item_keys" TEXT[],
    "ref_ids" UUID[],
    "ref_ats" TIMESTAMPTZ(3)[],
    "payloads" JSONB[],
    "attempts" INTEGER[],
    "first_failed_ats" TIMESTAMPTZ(3)[],
    "last_errors" TEXT[],
    "created_ats" TIMESTAMPTZ(3)[],
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "webhook_claim_pkey" PRIMARY KEY ("token")
);

-- CreateIndex
CREATE INDEX "webhook_claim_destination_id_lease_until_idx" ON "webhook_claim"("destination_id", "lease_until");

-- AddForeignKey
ALTER TABLE "webhook_claim" ADD CONSTRAINT "webhook_claim_destination_id_fkey" FOREIGN KEY ("destination_id") REFERENCES "webhook_destination"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Items already queued: their touchpoint's time, so claims read them from the right partition.
-- (Items held under a lease at upgrade keep next_attempt_at = the lease's end, and come due then.)
UPDATE "webhook_delivery" w SET "ref_at" = t."occurred_at"
FROM "touchpoint" t
WHERE w."kind" = 'TOUCHPOINT' AND t."id" = w."ref_id";
