import {
  FIELD_MESSAGES,
  malformedAmountMessage,
  moreThanAvailable,
  normaliseAmountText,
} from "../../../worker/services/forms/messages.ts";
import { checkOrderFilters } from "../../../worker/services/markets/filters.ts";
import { maxFeeMinor } from "../../../worker/services/trading/fees.ts";
import type { OrderTicket } from "./order-ticket.ts";

/**
 * What each field of the order ticket says is wrong, as the trader types: the market's own
 * filters (worker/services/markets/filters.ts, the very function the order desk runs), then the
 * balance the order would hold. The server answers the same words at the same fields.
 */

export type TicketField = "amount" | "price" | "stopPrice";
export type TicketProblems = Partial<Record<TicketField, string>>;

/** The API's field names -> the ticket's inputs. */
export function ticketFieldOf(apiField: string): TicketField | null {
  if (apiField === "quantity" || apiField === "quoteAmount") return "amount";
  if (apiField === "price" || apiField === "stopPrice") return apiField;
  return null;
}

/** A filter failure's field text is "rule: words"; the field shows the words. */
export function fieldWords(text: string): string {
  return text.replace(/^[a-z_]+: /, "");
}

/** The server's field errors at the ticket's fields. */
export function ticketProblemsOf(fields: Record<string, string> | undefined): TicketProblems {
  const problems: TicketProblems = {};
  for (const [name, text] of Object.entries(fields ?? {})) {
    const field = ticketFieldOf(name);
    if (field) problems[field] ??= fieldWords(text);
  }
  return problems;
}

/** The order as the form will post it (plain decimals, thousands separators removed). */
export function ticketBody(ticket: OrderTicket) {
  const { side, kind, quoteSized } = ticket;
  const present = (text: string) => {
    const plain = normaliseAmountText(text);
    return plain === "" ? undefined : plain;
  };
  const amount = present(ticket.amount);
  const price = kind !== "market" ? present(ticket.price) : undefined;
  const stopPrice = kind === "stop_limit" ? present(ticket.stopPrice) : undefined;
  return {
    side,
    type: kind,
    ...(amount === undefined ? {} : quoteSized ? { quoteAmount: amount } : { quantity: amount }),
    ...(price === undefined ? {} : { price }),
    ...(stopPrice === undefined ? {} : { stopPrice }),
  };
}

/** What the trader typed in each field, for the messages that depend on it (a decimal comma). */
function typedIn(ticket: OrderTicket): Record<TicketField, string> {
  return { amount: ticket.amount, price: ticket.price, stopPrice: ticket.stopPrice };
}

/**
 * The filters' words for the ticket: an empty amount is asked for, and a plain-number refusal
 * of text with a comma explains the comma (the same fix-up the page's action makes).
 */
export function inTradersWords(problems: TicketProblems, typed: Partial<Record<TicketField, string>>) {
  const out: TicketProblems = {};
  for (const [field, message] of Object.entries(problems) as [TicketField, string][]) {
    const text = typed[field] ?? "";
    out[field] =
      field === "amount" && text.trim() === ""
        ? FIELD_MESSAGES.enterAmount
        : message === FIELD_MESSAGES.notAPlainNumber
          ? malformedAmountMessage(text)
          : message;
  }
  return out;
}

export function ticketProblems(
  ticket: OrderTicket,
  symbol: string,
  lastPriceMinor: bigint | null,
  signedIn: boolean,
): TicketProblems {
  const body = ticketBody(ticket);
  const check = checkOrderFilters(
    symbol,
    body,
    lastPriceMinor ? { referencePriceMinor: lastPriceMinor } : {},
  );
  if (!check.ok) return inTradersWords(ticketProblemsOf(check.error.fields), typedIn(ticket));
  if (!signedIn) return {};
  const { order } = check;
  const { balance, spendAsset, rates, baseScale, quoteScale } = ticket;
  const available = balance?.available ?? "0";
  const availableMinor = ticketMinor(available, spendAsset === ticket.base ? baseScale : quoteScale);
  let holdMinor: bigint | null = null;
  if (order.side === "sell") holdMinor = order.quantityMinor ?? null;
  else if (order.quoteAmountMinor !== undefined) {
    holdMinor = order.quoteAmountMinor + maxFeeMinor(rates, order.quoteAmountMinor);
  } else if (order.priceMinor !== undefined && order.quantityMinor !== undefined) {
    const value = (order.quantityMinor * order.priceMinor) / 10n ** BigInt(baseScale);
    holdMinor = value + maxFeeMinor(rates, value);
  }
  // A market buy by quantity holds a slippage margin only the desk knows: the server says.
  if (holdMinor !== null && holdMinor > availableMinor) {
    return { amount: moreThanAvailable(available, spendAsset) };
  }
  return {};
}

function ticketMinor(text: string, scale: number): bigint {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return 0n;
  return BigInt(`${match[1]}${(match[2] ?? "").padEnd(scale, "0").slice(0, scale)}`);
}
