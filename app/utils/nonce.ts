import { createContext } from "react";

/**
 * The CSP nonce, provided on the server by entry.server. In the browser it is undefined:
 * browsers hide nonce attributes from scripts, and hydrated code never needs it.
 */
export const NonceContext = createContext<string | undefined>(undefined);
