-- CreateEnum
CREATE TYPE "SentimentLabel" AS ENUM ('NEGATIVE', 'NEUTRAL', 'POSITIVE');

-- AlterEnum
ALTER TYPE "AlertKind" ADD VALUE 'NEGATIVE_FEEDBACK';

-- AlterTable
ALTER TABLE "touchpoint" ADD COLUMN     "sentiment_label" "SentimentLabel",
ADD COLUMN     "sentiment_language" TEXT,
ADD COLUMN     "sentiment_score" DECIMAL(5,4);

-- CreateTable
CREATE TABLE "customer_sentiment" (
    "customer_id" UUID NOT NULL,
    "scored_count" INTEGER NOT NULL DEFAULT 0,
    "score_sum" DECIMAL(18,4) NOT NULL DEFAULT 0,
    "negative_count" INTEGER NOT NULL DEFAULT 0,
    "neutral_count" INTEGER NOT NULL DEFAULT 0,
    "positive_count" INTEGER NOT NULL DEFAULT 0,
    "last_at" TIMESTAMPTZ(3) NOT NULL,
    "last_touchpoint_id" UUID NOT NULL,
    "last_label" "SentimentLabel" NOT NULL,
    "last_score" DECIMAL(5,4) NOT NULL,

    CONSTRAINT "customer_sentiment_pkey" PRIMARY KEY ("customer_id")
);
