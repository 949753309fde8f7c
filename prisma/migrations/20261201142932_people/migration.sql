-- AlterTable
ALTER TABLE "ApiKey" ADD COLUMN     "createdBy" TEXT,
ADD COLUMN     "forUserId" TEXT;

-- AlterTable
ALTER TABLE "Approval" ADD COLUMN     "submitters" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "ApprovalVote" ADD COLUMN     "userEmail" TEXT,
ADD COLUMN     "userId" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "ApprovalVote_approvalId_userId_key" ON "ApprovalVote"("approvalId", "userId");
