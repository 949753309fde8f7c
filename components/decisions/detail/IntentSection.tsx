import type { DecisionDetailData } from "@/components/trpc/types";
import { Card } from "@/components/ui";

/** What was asked: the intent as recorded. */
export function IntentSection({ intent }: { intent: DecisionDetailData["intent"] }) {
  return (
    <Card title="Intent">
      <pre className="max-h-80 overflow-auto whitespace-pre-wrap break-all rounded-md bg-surface p-3 font-mono text-xs text-slate-300">
        {JSON.stringify(intent, null, 2)}
      </pre>
    </Card>
  );
}
