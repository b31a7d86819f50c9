// No page: the shell's "Log out" button posts here, and a visit is sent home.
export { action, loader } from "./logout.server.ts";
