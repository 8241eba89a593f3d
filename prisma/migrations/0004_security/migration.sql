-- AlterTable
ALTER TABLE "audit_log" ADD COLUMN     "actor" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "outcome" TEXT NOT NULL DEFAULT 'ok',
ADD COLUMN     "request_id" TEXT;

-- AlterTable
ALTER TABLE "customer" ADD COLUMN     "erased_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "suppressed_identifier" (
    "hash" TEXT NOT NULL,
    "type" "IdentityType" NOT NULL,
    "erased_id" UUID NOT NULL,
    "dropped_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "suppressed_identifier_pkey" PRIMARY KEY ("hash")
);
