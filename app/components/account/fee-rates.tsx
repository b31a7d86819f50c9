import { DateTime } from "../date-time.tsx";
import { percentText } from "../percent.ts";
import { discountSource } from "./labels.ts";

/**
 * A fee rate as the trader pays it now; when discounts apply, the tier's list rate struck
 * through beside it. Shared by the Account page and the Trade page's order ticket.
 */
export function RateNow({ now, list, testId }: { now: string; list: string; testId?: string }) {
  return (
    <span className="rate" data-testid={testId} data-rate={now}>
      {now !== list ? (
        <>
          <s className="rate-list" title="List rate before discounts">
            <span className="visually-hidden">list rate </span>
            {percentText(list)}
          </s>{" "}
        </>
      ) : null}
      <span className="rate-now">{percentText(now)}</span>
    </span>
  );
}

export interface DiscountView {
  source: "plan" | "referral";
  rate: string;
  until: string | null;
}

/** Each discount on the list fee, where it comes from and until when. */
export function DiscountList({ discounts }: { discounts: readonly DiscountView[] }) {
  if (discounts.length === 0) return null;
  return (
    <ul className="discount-list" data-testid="fee-discounts">
      {discounts.map((discount) => (
        <li key={discount.source}>
          <span className="discount-rate">{percentText(discount.rate, { minDecimals: 0 })} off</span>{" "}
          <span>{discountSource(discount.source)}</span>{" "}
          <span className="muted">
            {discount.until === null ? (
              "· while the plan lasts"
            ) : (
              <>
                · until <DateTime value={discount.until} />
              </>
            )}
          </span>
        </li>
      ))}
    </ul>
  );
}
