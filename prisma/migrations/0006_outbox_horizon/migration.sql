-- CreateTable
CREATE TABLE "outbox_horizon" (
    "id" INTEGER NOT NULL,
    "pruned_through_seq" BIGINT NOT NULL,
    "pruned_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "outbox_horizon_pkey" PRIMARY KEY ("id")
);
