import { Suspense } from "react";
import { DecisionsPage } from "@/components/decisions/DecisionsPage";
import { Loading } from "@/components/ui";

export default function Page() {
  return (
    <Suspense fallback={<Loading />}>
      <DecisionsPage />
    </Suspense>
  );
}
