-- CreateTable
CREATE TABLE "accounts" (
    "id" UUID NOT NULL,
    "group_id" TEXT NOT NULL,
    "traits" JSONB NOT NULL DEFAULT '{}',
    "trait_times" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "account_members" (
    "account_id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "since" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "account_members_pkey" PRIMARY KEY ("account_id","customer_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "accounts_group_id_key" ON "accounts"("group_id");

-- CreateIndex
CREATE INDEX "account_members_customer_id_idx" ON "account_members"("customer_id");

-- AddForeignKey
ALTER TABLE "account_members" ADD CONSTRAINT "account_members_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
