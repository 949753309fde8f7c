-- Decisions reference their policy version by hash instead of carrying a copy of the policy in
-- every row: 10,000 decisions under a 250 KB policy were 2.5 GB of copies.
ALTER TABLE "Decision" ADD COLUMN "policyHash" TEXT;

-- The hash each decision anchored in its own chain event (intent.decided) is the authority: not the
-- version row, which could have been edited since.
UPDATE "Decision" d
   SET "policyHash" = e.payload ->> 'policyHash'
  FROM "Event" e
 WHERE e."tenantId" = d."tenantId" AND e."subjectId" = d.id AND e.type = 'intent.decided';

-- No anchor (not expected): the version's hash, or the empty policy's when there was no version.
UPDATE "Decision" d
   SET "policyHash" = v.hash
  FROM "PolicyVersion" v
 WHERE d."policyHash" IS NULL AND v."tenantId" = d."tenantId" AND v.version = d."policyVersion";
UPDATE "Decision"
   SET "policyHash" = 'da506c8a9c8a9f31aa00eaeef23d49764b9ace97158a1a0a7aa628e6d446b0fb'
 WHERE "policyHash" IS NULL AND "policyVersion" IS NULL;
-- Still nothing (the version row is gone): evidence for it then fails, naming the version.
UPDATE "Decision" SET "policyHash" = 'unknown' WHERE "policyHash" IS NULL;

-- Drop the copy only where the version still holds exactly the policy the decision was made
-- under; elsewhere it stays, as the record of what was evaluated (evidence export then reports
-- that the version no longer has the decision's hash).
UPDATE "Decision" d
   SET input = d.input - 'policy'
 WHERE d.input ? 'policy'
   AND (d."policyVersion" IS NULL
        OR EXISTS (SELECT 1 FROM "PolicyVersion" v
                    WHERE v."tenantId" = d."tenantId" AND v.version = d."policyVersion"
                      AND v.hash = d."policyHash" AND v.document = d.input -> 'policy'));

ALTER TABLE "Decision" ALTER COLUMN "policyHash" SET NOT NULL;
