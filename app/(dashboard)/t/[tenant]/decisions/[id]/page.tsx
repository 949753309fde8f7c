"use client";

import { useParams } from "next/navigation";
import { DecisionDetail } from "@/components/decisions/DecisionDetail";

export default function Page() {
  const { id } = useParams<{ id: string }>();
  return <DecisionDetail decisionId={decodeURIComponent(id)} />;
}
