-- AlterTable
ALTER TABLE "Session" ADD COLUMN     "startedAtSource" TEXT;
