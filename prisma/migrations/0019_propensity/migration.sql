-- CreateEnum
CREATE TYPE "PropensityKind" AS ENUM ('CONVERSION', 'CHURN');

-- CreateTable
CREATE TABLE "propensity_model" (
    "id" UUID NOT NULL,
    "kind" "PropensityKind" NOT NULL,
    "params" JSONB NOT NULL,
    "model" JSONB NOT NULL,
    "train_count" INTEGER NOT NULL,
    "eval_count" INTEGER NOT NULL,
    "train_positives" INTEGER NOT NULL,
    "eval_positives" INTEGER NOT NULL,
    "auc" DOUBLE PRECISION,
    "scored" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "propensity_model_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "customer_propensity" (
    "customer_id" UUID NOT NULL,
    "kind" "PropensityKind" NOT NULL,
    "model_id" UUID NOT NULL,
    "probability" DECIMAL(7,6) NOT NULL,
    "held_out" BOOLEAN NOT NULL,
    "label" BOOLEAN,

    CONSTRAINT "customer_propensity_pkey" PRIMARY KEY ("customer_id","kind")
);

-- CreateIndex
CREATE INDEX "propensity_model_kind_created_at_idx" ON "propensity_model"("kind", "created_at");

-- CreateIndex
CREATE INDEX "customer_propensity_kind_probability_idx" ON "customer_propensity"("kind", "probability");
