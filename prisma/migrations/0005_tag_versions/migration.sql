-- AlterTable
ALTER TABLE "tag" ADD COLUMN     "archived_at" TIMESTAMPTZ(3),
ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;

-- CreateTable
CREATE TABLE "tag_version" (
    "id" UUID NOT NULL,
    "tag_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "category" TEXT,
    "description" TEXT,
    "rule" JSONB,
    "archived" BOOLEAN NOT NULL DEFAULT false,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tag_version_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "tag_version_tag_id_version_key" ON "tag_version"("tag_id", "version");

-- AddForeignKey
ALTER TABLE "tag_version" ADD CONSTRAINT "tag_version_tag_id_fkey" FOREIGN KEY ("tag_id") REFERENCES "tag"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Existing tags start their history at version 1, with the definition they have now.
INSERT INTO "tag_version" ("id", "tag_id", "version", "name", "category", "description", "rule", "created_at")
SELECT gen_random_uuid(), "id", 1, "name", "category", "description", "rule", "created_at" FROM "tag";
