-- AlterTable
ALTER TABLE "Session" ADD COLUMN     "closeFailedAt" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "SessionEvent" ADD COLUMN     "fromStatus" "SessionStatus",
ADD COLUMN     "toStatus" "SessionStatus";
