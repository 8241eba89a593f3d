-- CreateTable
CREATE TABLE "cluster_run" (
    "id" UUID NOT NULL,
    "features" TEXT[],
    "k_requested" INTEGER,
    "k" INTEGER NOT NULL,
    "seed" INTEGER NOT NULL,
    "scope" JSONB NOT NULL,
    "customers" INTEGER NOT NULL,
    "silhouette" DOUBLE PRECISION NOT NULL,
    "silhouette_sample" INTEGER NOT NULL,
    "k_scores" JSONB NOT NULL DEFAULT '[]',
    "clusters" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "cluster_run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cluster_assignment" (
    "run_id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "cluster" INTEGER NOT NULL,

    CONSTRAINT "cluster_assignment_pkey" PRIMARY KEY ("run_id","customer_id")
);

-- CreateIndex
CREATE INDEX "cluster_run_created_at_id_idx" ON "cluster_run"("created_at", "id");

-- CreateIndex
CREATE INDEX "cluster_assignment_customer_id_idx" ON "cluster_assignment"("customer_id");

-- CreateIndex
CREATE INDEX "cluster_assignment_run_id_cluster_idx" ON "cluster_assignment"("run_id", "cluster");

-- AddForeignKey
ALTER TABLE "cluster_assignment" ADD CONSTRAINT "cluster_assignment_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "cluster_run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
