-- CreateTable
CREATE TABLE "churn_last_event" (
    "customer_id" UUID NOT NULL,
    "event" TEXT NOT NULL,
    "last_at" TIMESTAMPTZ(3) NOT NULL,
    "pending" BOOLEAN NOT NULL DEFAULT true,
    "marks" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "churn_last_event_pkey" PRIMARY KEY ("customer_id","event")
);

-- CreateTable
CREATE TABLE "churn_tracking" (
    "event" TEXT NOT NULL,
    "built_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "churn_tracking_pkey" PRIMARY KEY ("event")
);

-- Backfill for the default ALERT_CHURN_EVENT ('Login'): each customer's last one, all pending so the
-- first check looks at everyone once. A server configured with another event rebuilds the table
-- before its first check (alertRepository.rebuildChurnEvents).
INSERT INTO "churn_last_event" ("customer_id", "event", "last_at", "pending", "marks")
SELECT "customer_id", "event", max("occurred_at"), true, 0 FROM "touchpoint" WHERE "event" = 'Login' GROUP BY 1, 2;
INSERT INTO "churn_tracking" ("event", "built_at") VALUES ('Login', now());

-- CreateIndex
CREATE INDEX "churn_last_event_pending_idx" ON "churn_last_event"("event", "last_at") WHERE (pending);
