-- The trace context of the submission that queued an execution (server/services/decisions/
-- trace-context.ts), read by the dispatcher to continue that trace (server/exec/trace-context.ts).
-- Rows are written only while tracing is on.

-- CreateTable
CREATE TABLE "ExecutionTrace" (
    "executionId" TEXT NOT NULL,
    "traceparent" TEXT NOT NULL,

    CONSTRAINT "ExecutionTrace_pkey" PRIMARY KEY ("executionId")
);
