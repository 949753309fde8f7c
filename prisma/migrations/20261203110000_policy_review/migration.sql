-- Changing a policy (issue 14 §3): every version carries the change note its author wrote, and a
-- tenant may require a second admin to activate what another wrote (four eyes, as Unleash's change
-- requests). Under four eyes a saved version is PENDING review until another admin activates it
-- (APPROVED) or an admin rejects it (REJECTED); versions saved without review have no review state.
ALTER TABLE "PolicyVersion" ADD COLUMN "note" TEXT;
ALTER TABLE "PolicyVersion" ADD COLUMN "review" TEXT;
ALTER TABLE "PolicyVersion" ADD COLUMN "reviewedBy" TEXT;
-- The person accountable for writing it (a key counts as the person it acts for, or who created it):
-- under four eyes, nobody activates what they wrote themselves, through any key.
ALTER TABLE "PolicyVersion" ADD COLUMN "author" TEXT;
ALTER TABLE "Tenant" ADD COLUMN "policyFourEyes" BOOLEAN NOT NULL DEFAULT false;
