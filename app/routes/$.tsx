import { GeneralErrorBoundary } from "../components/error-boundary.tsx";

export { loader } from "./$.server.ts";

export default function NotFound() {
  return null;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
