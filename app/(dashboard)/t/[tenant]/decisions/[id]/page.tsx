"use client";

import { useParams } from "next/navigation";
import { DecisionDetail } from "@/components/decisions/DecisionDetail";
import { safeDecode } from "@/components/shell/safe-decode";

export default function Page() {
  const { id } = useParams<{ id: string }>();
  return <DecisionDetail decisionId={safeDecode(id)} />;
}
