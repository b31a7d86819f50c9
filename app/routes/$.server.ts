/** Unknown pages: a real 404 status, rendered inside the shell by the route's error boundary. */
export function loader() {
  throw new Response("Not Found", { status: 404 });
}
