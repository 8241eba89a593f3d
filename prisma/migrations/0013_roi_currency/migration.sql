-- AlterTable
ALTER TABLE "touchpoint" ADD COLUMN     "campaign" TEXT,
ADD COLUMN     "original_revenue" DECIMAL(18,2);

-- CreateTable
CREATE TABLE "exchange_rate" (
    "currency" TEXT NOT NULL,
    "valid_from" DATE NOT NULL,
    "rate" DECIMAL(20,10) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "exchange_rate_pkey" PRIMARY KEY ("currency","valid_from")
);

-- CreateTable
CREATE TABLE "ad_spend" (
    "date" DATE NOT NULL,
    "channel" "Channel" NOT NULL,
    "campaign" TEXT NOT NULL DEFAULT '',
    "amount" DECIMAL(18,2) NOT NULL,
    "currency" TEXT NOT NULL,
    "amount_base" DECIMAL(18,2) NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ad_spend_pkey" PRIMARY KEY ("date","channel","campaign")
);

-- CreateIndex
CREATE INDEX "touchpoint_fx_pending_idx" ON "touchpoint"("currency", "occurred_at") WHERE (revenue IS NULL AND original_revenue IS NOT NULL);

-- Data: the amount as sent is kept apart from the base-currency amount that sums read.
UPDATE "touchpoint" SET "original_revenue" = "revenue" WHERE "revenue" IS NOT NULL;

-- Data: the campaign of stored touchpoints, as ingestion now reads it: context.campaign.name, else the
-- utm_campaign of context.page.url (taken as written: a value with %-escapes or '+' is left undecoded).
UPDATE "touchpoint" SET "campaign" = left(COALESCE(
    NULLIF(btrim("context"->'campaign'->>'name'), ''),
    NULLIF(btrim(substring("context"->'page'->>'url' FROM '[?&]utm_campaign=([^&#]*)')), '')), 256)
WHERE "context" ? 'campaign' OR "context"->'page' ? 'url';

-- Data: amounts stored with a currency wait for conversion (the base currency is configuration, not
-- known here). At start-up the server converts those in its base currency (rate 1) and any with a rate
-- (currencyService.convertPending); the rest wait for setExchangeRates. Until then they are in no sum,
-- so the stats of the customers holding them are recomputed now.
UPDATE "touchpoint" SET "revenue" = NULL WHERE "revenue" IS NOT NULL AND "currency" IS NOT NULL;
WITH affected AS (
  SELECT DISTINCT COALESCE(c.merged_into_id, c.id) AS live
  FROM "touchpoint" t JOIN "customer" c ON c.id = t.customer_id
  WHERE t.revenue IS NULL AND t.original_revenue IS NOT NULL
), s AS (
  SELECT a.live, COALESCE(sum(t.revenue) FILTER (WHERE t.revenue > 0), 0) AS ltv, (count(*) FILTER (WHERE t.revenue > 0))::int AS orders
  FROM affected a JOIN "customer" c ON c.id = a.live OR c.merged_into_id = a.live JOIN "touchpoint" t ON t.customer_id = c.id
  GROUP BY a.live
)
UPDATE "customer" c SET "lifetime_value" = s.ltv, "order_count" = s.orders FROM s WHERE c.id = s.live;
