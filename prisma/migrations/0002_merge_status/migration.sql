-- AlterTable
ALTER TABLE "merge_event" ADD COLUMN     "status" TEXT NOT NULL DEFAULT 'MERGED';
