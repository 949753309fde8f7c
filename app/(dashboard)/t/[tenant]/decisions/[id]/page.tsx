import type { Metadata } from "next";
import { DecisionDetail } from "@/components/decisions/DecisionDetail";
import { safeDecode } from "@/components/shell/safe-decode";

type Params = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  return { title: `Decision ${safeDecode((await params).id)} — ExoArmur` };
}

export default async function Page({ params }: Params) {
  return <DecisionDetail decisionId={safeDecode((await params).id)} />;
}
