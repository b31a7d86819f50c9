/** The baseline for `npm run bench:http`: a Worker with no middleware at all. */
export default {
  fetch(): Response {
    return new Response('{"status":"ok"}', { headers: { "Content-Type": "application/json" } });
  },
};
