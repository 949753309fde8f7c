import { ApprovalsPage } from "@/components/approvals/ApprovalsPage";

export default function Page() {
  return <ApprovalsPage />;
}
