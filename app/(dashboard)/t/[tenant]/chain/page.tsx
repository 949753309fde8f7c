import type { Metadata } from "next";
import { ChainPage } from "@/components/chain/ChainPage";

export const metadata: Metadata = { title: "Chain verification — ExoArmur" };

export default function Page() {
  return <ChainPage />;
}
