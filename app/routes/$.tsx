import { GeneralErrorBoundary } from "../components/error-boundary.tsx";

// Unknown pages: a real 404 status, rendered inside the shell by the shared boundary.
export function loader() {
  throw new Response("Not Found", { status: 404 });
}

export default function NotFound() {
  return null;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
